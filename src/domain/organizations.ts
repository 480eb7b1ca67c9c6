// An organization: the unit of multi-tenancy. Its id is generated and its handle never changes.
import type { RoleName } from './permissions.ts'

export interface Organization {
  id: string
  handle: string
  name: string
  /** Set when a logo was uploaded; changes with every new logo. */
  logoEtag: string | null
  createdAt: Date
  createdBy: string | null
}

/** An organization as one of its members sees it in their list. */
export interface MembershipOfUser {
  organization: Organization
  roles: RoleName[]
  joinedAt: Date
}

export interface Member {
  userId: string
  email: string
  name: string
  roles: RoleName[]
  joinedAt: Date
}

export const ORGANIZATION_NAME_MAX_LENGTH = 100
