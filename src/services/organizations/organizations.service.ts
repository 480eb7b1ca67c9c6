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
  countOrganizationsCreatedByEach,
  deleteLogo,
  deleteOrganization as deleteOrganizationRow,
  findLogo,
  insertOrganizationsWithOwners,
  isHandleTaken,
  type Logo,
  updateOrganization,
  upsertLogo,
} from '../../store/organizations.repository.ts'
import { lockUsers } from '../../store/users.repository.ts'
import { WEBHOOK_JOB } from '../../store/webhooks.repository.ts'
import {
  type Actor,
  type ActorMembership,
  lockNamedOrganization,
  membershipOf,
  requirePermission,
} from '../access.ts'
import { answerOf, type GroupOutcome } from '../call-groups.ts'
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

/** An organization about to be created, as a call asked for it (handle: chosen, or derived from the name). */
interface Creation {
  actor: Actor
  id: string
  name: string
  handle?: string
  provisioned: boolean
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
    // Concurrent creations are written together (services/call-groups.ts).
    return await deps.callGroups.run<Creation, ActorMembership>(
      'organization.create',
      { actor, id, name, handle: input.handle, provisioned },
      {
        alone: (creation) => createAlone(deps, creation),
        together: (creations) => writeCreations(deps, creations, 0),
      },
    )
  } catch (error) {
    if (provisioned) await undoProvisioning(deps, id)
    throw error
  }
}

/** One creation by itself: a derived handle that is taken is derived again, with a random suffix. */
async function createAlone(deps: ServiceDependencies, creation: Creation): Promise<ActorMembership> {
  for (let attempt = 0; attempt < HANDLE_ATTEMPTS; attempt++) {
    const [outcome] = await writeCreations(deps, [creation], attempt)
    if (outcome !== 'alone') return answerOf(outcome)
    if (creation.handle !== undefined) {
      throw new DomainError('handle_taken', `the handle ${creation.handle} is taken`)
    }
  }
  throw new DomainError('handle_taken', 'no free handle could be derived from this name; choose one')
}

/** The handle a creation asks for at its `attempt`-th try: the one chosen, else the name's, suffixed after the first. */
function handleToTry(creation: Creation, attempt: number): string {
  if (creation.handle !== undefined) return creation.handle
  const base = handleFromName(creation.name)
  return attempt === 0 && !reservedHandles.has(base) ? base : withSuffix(base, randomBytes(2).toString('hex'))
}

/**
 * Writes creations in one transaction. With ORG_CREATION_LIMIT, the creators' rows are locked and
 * their organizations counted first, so concurrent creations cannot pass the limit together (one
 * refused is answered with its refusal). One statement then writes every organization with its
 * owner, environments and developer identity, active for its creator; one whose handle was taken
 * is answered 'alone', having written nothing.
 */
async function writeCreations(
  deps: ServiceDependencies,
  creations: readonly Creation[],
  attempt: number,
): Promise<GroupOutcome<ActorMembership>[]> {
  return inTransaction(deps, async (tx) => {
    const outcomes: GroupOutcome<ActorMembership>[] = creations.map(() => 'alone')
    let admitted = creations
    if (deps.orgCreationLimit > 0) {
      const creators = [...new Set(creations.map((creation) => creation.actor.user.id))]
      await lockUsers(tx.db, creators)
      const created = await countOrganizationsCreatedByEach(tx.db, creators)
      admitted = creations.filter((creation, index) => {
        const count = created.get(creation.actor.user.id) ?? 0
        if (count >= deps.orgCreationLimit) {
          outcomes[index] = { error: creationLimitReached(deps.orgCreationLimit) }
          return false
        }
        created.set(creation.actor.user.id, count + 1)
        return true
      })
    }
    const written = await insertOrganizationsWithOwners(
      tx.db,
      admitted.map((creation) => ({
        id: creation.id,
        handle: handleToTry(creation, attempt),
        name: creation.name,
        createdBy: creation.actor.user.id,
        developer: developerOfNewOrganization(deps, creation.provisioned),
        activeForSession: creation.actor.sessionId,
      })),
      { now: tx.now, environments: defaultEnvironments },
    )
    for (const [index, creation] of creations.entries()) {
      const organization = written.get(creation.id)
      if (!organization) continue
      await recordCreation(deps, tx, creation, organization)
      // The creator's session is switched to it, and the user remembers it (the statement above).
      tx.updatesSession?.(creation.actor, ({ session, user }) => ({
        session: {
          ...session,
          activeOrganizationId: organization.id,
          rememberedOrganizationId: organization.id,
        },
        user,
      }))
      outcomes[index] = { value: membershipOf(organization, ['owner'], tx.now) }
    }
    return outcomes
  })
}

function creationLimitReached(limit: number): DomainError {
  return new DomainError(
    'organization_limit_reached',
    `you may create ${limit} organization${limit === 1 ? '' : 's'}; ask to be invited instead`,
  )
}

/** A new organization's first events: created, its owner added, and its developer identity's. */
async function recordCreation(
  deps: ServiceDependencies,
  tx: Transaction,
  creation: Creation,
  organization: Organization,
): Promise<void> {
  const { actor } = creation
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
  await afterDeveloperCreated(deps, tx, actor, organization.id, creation.provisioned)
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
    created: (await countOrganizationsCreatedByEach(deps.db, [actor.user.id])).get(actor.user.id) ?? 0,
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
