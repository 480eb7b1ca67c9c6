// The one permission check. A caller's standing in an organization is resolved once per request;
// this decides what it may do there. Non-members are told the organization does not exist.
import { allowed, type Decision, refused } from './errors.ts'
import type { Permission, PermissionSet, RoleName } from './permissions.ts'

export interface OrganizationAccess {
  organizationId: string
  roles: RoleName[]
  permissions: PermissionSet
  joinedAt: Date
}

export function authorize(
  access: Pick<OrganizationAccess, 'permissions'> | undefined,
  permission: Permission,
): Decision {
  if (!access) return refused('not_found', 'no such organization')
  if (!access.permissions.has(permission)) {
    return refused('forbidden', `this needs the permission ${permission}`, { permission })
  }
  return allowed
}
