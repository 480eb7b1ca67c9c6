// Organizations: create (the creator becomes owner), list one's own, read, rename, delete, and the
// logo. Each call checks the caller's permission and runs one transaction with its audit event.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { DomainError, invalidField } from '../../domain/errors.ts'
import { checkHandle, handleFromName, reservedHandles, withSuffix } from '../../domain/handles.ts'
import { inspectImage, LOGO_MAX_PIXELS_PER_SIDE } from '../../domain/images.ts'
import { isValidName, normalizeName } from '../../domain/names.ts'
import {
  type MembershipOfUser,
  ORGANIZATION_NAME_MAX_LENGTH,
  type Organization,
} from '../../domain/organizations.ts'
import { defaultEnvironments } from '../../domain/portal.ts'
import { deleteJobsOf } from '../../store/jobs.repository.ts'
import { listMembershipsOfUser } from '../../store/memberships.repository.ts'
import {
  countOrganizationsCreatedBy,
  deleteLogo,
  deleteOrganization as deleteOrganizationRow,
  findLogo,
  insertOrganizationWithOwner,
  isHandleTaken,
  type Logo,
  updateOrganization,
  upsertLogo,
} from '../../store/organizations.repository.ts'
import { lockUser } from '../../store/users.repository.ts'
import { WEBHOOK_JOB } from '../../store/webhooks.repository.ts'
import {
  type Actor,
  type ActorMembership,
  lockNamedOrganization,
  membershipOf,
  requirePermission,
} from '../access.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import {
  afterDeveloperCreated,
  developerOfDeletedOrganization,
  developerOfNewOrganization,
  provisionBeforeCreation,
  undoProvisioning,
} from '../developers/developers.service.ts'
import { recordEvent } from '../events/events.service.ts'
import { decodeDatedCursor, type Page, pageOf } from '../pagination.ts'
import { inTransaction, type Transaction } from '../transaction.ts'

const HANDLE_ATTEMPTS = 8

function checkOrganizationName(name: string): string {
  const normalized = normalizeName(name)
  if (!isValidName(normalized) || normalized.length > ORGANIZATION_NAME_MAX_LENGTH) {
    throw invalidField('/name', `must be 1 to ${ORGANIZATION_NAME_MAX_LENGTH} visible characters`)
  }
  return normalized
}

async function insertWithDerivedHandle(
  tx: Transaction,
  creation: Omit<Parameters<typeof insertOrganizationWithOwner>[1], 'handle'>,
): Promise<Organization> {
  const base = handleFromName(creation.name)
  for (let attempt = 0; attempt < HANDLE_ATTEMPTS; attempt++) {
    const handle =
      attempt === 0 && !reservedHandles.has(base) ? base : withSuffix(base, randomBytes(2).toString('hex'))
    const organization = await insertOrganizationWithOwner(tx.db, { ...creation, handle })
    if (organization) return organization
  }
  throw new DomainError('handle_taken', 'no free handle could be derived from this name; choose one')
}

/** A rename or a new or removed logo: the name and the logo's version, before and after. */
function recordOrganizationUpdate(tx: Transaction, actor: Actor, before: Organization, after: Organization) {
  return recordEvent(tx, actor, {
    type: 'organization.updated',
    organizationId: after.id,
    targetId: after.id,
    data: {
      before: { name: before.name, logo: before.logoEtag },
      after: { name: after.name, logo: after.logoEtag },
    },
  })
}

/** Creates an organization; the caller becomes its owner and switches to it. */
export async function createOrganization(
  deps: ServiceDependencies,
  actor: Actor,
  input: { name: string; handle?: string },
): Promise<ActorMembership> {
  const name = checkOrganizationName(input.name)
  if (input.handle !== undefined) {
    const problem = checkHandle(input.handle)
    if (problem === 'format') {
      throw invalidField('/handle', 'must be 3 to 40 characters of a-z, 0-9 and -, starting with a letter')
    }
    if (problem === 'reserved') throw invalidField('/handle', 'is reserved')
    if (problem === 'uuid') throw invalidField('/handle', 'must not have the shape of a UUID')
  }
  // The id is chosen first: with PROVIDER_PROVISIONING=required its developer identity is created
  // in the provider portal before the organization is written (and deleted again if that fails).
  const id = randomUUID()
  const provisioned = await provisionBeforeCreation(deps, id)
  try {
    return await insertNewOrganization(deps, actor, { id, name, handle: input.handle, provisioned })
  } catch (error) {
    if (provisioned) await undoProvisioning(deps, id)
    throw error
  }
}

async function insertNewOrganization(
  deps: ServiceDependencies,
  actor: Actor,
  input: { id: string; name: string; handle?: string; provisioned: boolean },
): Promise<ActorMembership> {
  const { id, name } = input
  return inTransaction(deps, async (tx) => {
    if (deps.orgCreationLimit > 0) {
      // Counted under the user's lock, so two concurrent creations cannot both pass the limit.
      await lockUser(tx.db, actor.user.id)
      const created = await countOrganizationsCreatedBy(tx.db, actor.user.id)
      if (created >= deps.orgCreationLimit) {
        throw new DomainError(
          'organization_limit_reached',
          `you may create ${deps.orgCreationLimit} organization${deps.orgCreationLimit === 1 ? '' : 's'}; ask to be invited instead`,
        )
      }
    }
    // One statement writes the organization, its owner, environments and developer identity, and
    // makes it the creator's active organization.
    const creation = {
      id,
      name,
      createdBy: actor.user.id,
      now: tx.now,
      environments: defaultEnvironments,
      developer: developerOfNewOrganization(deps, input.provisioned),
      activeForSession: actor.sessionId,
    }
    const organization =
      input.handle === undefined
        ? await insertWithDerivedHandle(tx, creation)
        : await insertOrganizationWithOwner(tx.db, { ...creation, handle: input.handle })
    if (!organization) throw new DomainError('handle_taken', `the handle ${input.handle} is taken`)
    await recordEvent(tx, actor, {
      type: 'organization.created',
      organizationId: organization.id,
      targetId: organization.id,
      data: { handle: organization.handle, name: organization.name },
    })
    await recordEvent(tx, actor, {
      type: 'member.added',
      organizationId: organization.id,
      targetId: actor.user.id,
      data: {
        userId: actor.user.id,
        name: actor.user.name,
        email: actor.user.email,
        roles: ['owner'],
        invitationId: null,
      },
    })
    await afterDeveloperCreated(deps, tx, actor, organization.id, input.provisioned)
    return membershipOf(organization, ['owner'], tx.now)
  })
}

/** Why a handle cannot be chosen: it breaks the handle rule, or an organization has it. */
export type HandleUnavailability = 'invalid' | 'taken'

/**
 * Whether `handle` could be given to a new organization now: the domain's rule first (a reserved or
 * UUID-shaped handle is refused at creation too), then whether an organization has it. An answer,
 * not a reservation: the creation that follows may still meet `handle_taken`.
 */
export async function checkHandleAvailability(
  deps: ServiceDependencies,
  _actor: Actor,
  handle: string,
): Promise<{ handle: string; available: boolean; reason: HandleUnavailability | null }> {
  const reason: HandleUnavailability | null =
    checkHandle(handle) !== undefined ? 'invalid' : (await isHandleTaken(deps.db, handle)) ? 'taken' : null
  return { handle, available: reason === null, reason }
}

/** How many organizations the caller may create (`null`: no limit) and how many of theirs exist. */
export async function organizationCreationAllowance(
  deps: ServiceDependencies,
  actor: Actor,
): Promise<{ limit: number | null; created: number }> {
  return {
    limit: deps.orgCreationLimit > 0 ? deps.orgCreationLimit : null,
    created: await countOrganizationsCreatedBy(deps.db, actor.user.id),
  }
}

/** The caller's organizations, in the order they joined them. */
export async function listOrganizationsOfActor(
  deps: ServiceDependencies,
  actor: Actor,
  page: { limit: number; cursor?: string },
): Promise<Page<MembershipOfUser>> {
  const after = page.cursor ? decodeDatedCursor(page.cursor) : undefined
  const rows = await listMembershipsOfUser(deps.db, actor.user.id, {
    limit: page.limit + 1,
    after: after && { joinedAt: after.at, organizationId: after.id },
  })
  return pageOf(rows, page.limit, (row) => [row.joinedAt.toISOString(), row.organization.id])
}

export function getOrganization(actor: Actor): ActorMembership {
  return requirePermission(actor, 'organization:read')
}

export async function renameOrganization(
  deps: ServiceDependencies,
  actor: Actor,
  change: { name?: string },
): Promise<ActorMembership> {
  const membership = requirePermission(actor, 'organization:update')
  if (change.name === undefined) return membership
  const name = checkOrganizationName(change.name)
  return inTransaction(deps, async (tx) => {
    const before = await lockNamedOrganization(tx, membership.organization.id)
    const organization = await updateOrganization(tx.db, before.id, { name })
    if (before.name !== name) {
      await recordOrganizationUpdate(tx, actor, before, organization)
    }
    return { ...membership, organization }
  })
}

/** Deletes the organization with its members, logo and everything it owns, in one transaction. */
export async function deleteOrganization(deps: ServiceDependencies, actor: Actor): Promise<void> {
  const membership = requirePermission(actor, 'organization:delete')
  await inTransaction(deps, async (tx) => {
    const organization = await lockNamedOrganization(tx, membership.organization.id)
    await deleteOrganizationRow(tx.db, organization.id)
    await recordEvent(tx, actor, {
      type: 'organization.deleted',
      organizationId: organization.id,
      targetId: organization.id,
      data: { handle: organization.handle, name: organization.name },
    })
    // Its endpoints went with it, and so do their deliveries; its developer goes in the background.
    await deleteJobsOf(tx.db, organization.id, [WEBHOOK_JOB])
    await developerOfDeletedOrganization(deps, tx, organization.id)
  })
}

export async function setOrganizationLogo(
  deps: ServiceDependencies,
  actor: Actor,
  bytes: Buffer,
): Promise<ActorMembership> {
  const membership = requirePermission(actor, 'organization:update')
  const image = inspectImage(bytes)
  if (!image) {
    throw new DomainError('unsupported_media_type', 'the logo must be a PNG, JPEG, WebP or GIF image')
  }
  if (image.width > LOGO_MAX_PIXELS_PER_SIDE || image.height > LOGO_MAX_PIXELS_PER_SIDE) {
    throw invalidField('/', `must be at most ${LOGO_MAX_PIXELS_PER_SIDE}×${LOGO_MAX_PIXELS_PER_SIDE} pixels`)
  }
  const etag = createHash('sha256').update(bytes).digest('hex').slice(0, 32)
  return inTransaction(deps, async (tx) => {
    const before = await lockNamedOrganization(tx, membership.organization.id)
    await upsertLogo(tx.db, before.id, { contentType: image.type, bytes, etag, now: tx.now })
    const organization = await updateOrganization(tx.db, before.id, { logoEtag: etag })
    await recordOrganizationUpdate(tx, actor, before, organization)
    return { ...membership, organization }
  })
}

/** Removes the logo; removing none is not an error. */
export async function removeOrganizationLogo(deps: ServiceDependencies, actor: Actor): Promise<void> {
  const membership = requirePermission(actor, 'organization:update')
  await inTransaction(deps, async (tx) => {
    const before = await lockNamedOrganization(tx, membership.organization.id)
    if (!(await deleteLogo(tx.db, before.id))) return
    const organization = await updateOrganization(tx.db, before.id, { logoEtag: null })
    await recordOrganizationUpdate(tx, actor, before, organization)
  })
}

export async function getOrganizationLogo(deps: ServiceDependencies, actor: Actor): Promise<Logo> {
  const membership = requirePermission(actor, 'organization:read')
  const logo = await findLogo(deps.db, membership.organization.id)
  if (!logo) throw new DomainError('not_found', 'this organization has no logo')
  return logo
}
