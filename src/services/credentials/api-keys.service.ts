// API keys of an application, per environment. The secret is returned once, on create and rotate;
// only its SHA-256 is stored. Keys belong to the organization, not to whoever created them, so a
// member's removal leaves them working, unless the remover asks to revoke them or the member was
// portal-only (their applications' keys end with them): revokeKeysAtMembershipEnd.

import {
  displayPartsOf,
  environmentOfPrefix,
  hashApiKey,
  MAX_ROTATION_GRACE_SECONDS,
  newApiKey,
} from '../../domain/api-keys.ts'
import { DomainError, enforce, invalidField } from '../../domain/errors.ts'
import { parseInstant } from '../../domain/instants.ts'
import { checkRotatable, graceDeadline, replacementExpiry } from '../../domain/key-rotation.ts'
import type { RoleName } from '../../domain/permissions.ts'
import {
  type ApiKey,
  creatorAsSeenBy,
  keyEnvironmentsOf,
  keysEndingWithMembership,
} from '../../domain/portal.ts'
import {
  findApiKey,
  insertApiKey,
  listApiKeys as listKeyRows,
  listLiveKeysOfMember,
  revokeApiKeys,
  updateApiKey,
} from '../../store/api-keys.repository.ts'
import { findEnvironment } from '../../store/environments.repository.ts'
import type { Executor } from '../../store/executor.ts'
import { type Actor, holdActorMembership, requirePermission } from '../access.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import { recordEvent } from '../events/events.service.ts'
import { requireApplication } from '../portal/applications.service.ts'
import { inTransaction, type Transaction } from '../transaction.ts'

export interface CreatedKey {
  key: ApiKey
  secret: string
}

/** What events tell of a key: never its secret or hash; `prefix` and `last4` are what lists show. */
export function keyFieldsOf(key: ApiKey) {
  return {
    applicationId: key.applicationId,
    environment: key.environment,
    name: key.name,
    prefix: key.prefix,
    last4: key.last4,
  }
}

export async function listApiKeys(
  deps: ServiceDependencies,
  actor: Actor,
  applicationId: string,
): Promise<ApiKey[]> {
  const { organization, access } = requirePermission(actor, 'credential:read')
  await requireApplication(deps.db, actor, applicationId)
  const keys = await listKeyRows(deps.db, organization.id, applicationId)
  // A portal-only member does not learn who else made keys for their applications.
  const viewer = { userId: actor.user.id, roles: access.roles }
  return keys.map((key) => {
    const createdBy = creatorAsSeenBy(viewer, key.createdBy)
    return createdBy === key.createdBy ? key : { ...key, createdBy }
  })
}

async function issueKey(
  tx: Transaction,
  actor: Actor,
  target: { organizationId: string; applicationId: string; environmentId: string; environment: string },
  details: { name: string; expiresAt: Date | null },
): Promise<CreatedKey> {
  // A key is born only while its maker is a member: a removal racing this one revokes it or refuses it.
  await holdActorMembership(tx, actor)
  const secret = newApiKey(target.environment)
  const { prefix, last4 } = displayPartsOf(secret)
  const id = await insertApiKey(tx.db, {
    organizationId: target.organizationId,
    applicationId: target.applicationId,
    environmentId: target.environmentId,
    name: details.name,
    prefix,
    last4,
    keyHash: hashApiKey(secret),
    createdBy: actor.user.id,
    expiresAt: details.expiresAt,
    now: tx.now,
  })
  const key = await findApiKey(tx.db, target.organizationId, target.applicationId, id)
  if (!key) throw new DomainError('internal_error', 'the new key vanished')
  return { key, secret }
}

/** A requested expiry: an instant Portico can store (no leap second), in the future. */
function futureExpiry(text: string | undefined, now: Date): Date | undefined {
  if (text === undefined) return undefined
  const expiresAt = parseInstant(text)
  if (!expiresAt) throw invalidField('/expiresAt', 'must be a date-time from year 1 to 9999 (no leap second)')
  if (expiresAt <= now) throw invalidField('/expiresAt', 'must be in the future')
  return expiresAt
}

export async function createApiKey(
  deps: ServiceDependencies,
  actor: Actor,
  applicationId: string,
  input: { environment: string; name?: string; expiresAt?: string },
): Promise<CreatedKey> {
  const { organization, access } = requirePermission(actor, 'credential:create')
  const permitted = keyEnvironmentsOf(access.roles)
  return inTransaction(deps, async (tx) => {
    await requireApplication(tx.db, actor, applicationId)
    // Share-locked until the key is written: the environment can be neither renamed (the key
    // carries its name) nor deleted (the key points at it) meanwhile.
    const environment = await findEnvironment(tx.db, organization.id, { name: input.environment }, 'share')
    // One they may not use is answered as one that does not exist: they learn of none.
    if (!environment || (permitted && !permitted.includes(environment.name))) {
      throw invalidField('/environment', `names no environment of this organization`)
    }
    const expiresAt = futureExpiry(input.expiresAt, tx.now) ?? null
    const created = await issueKey(
      tx,
      actor,
      {
        organizationId: organization.id,
        applicationId,
        environmentId: environment.id,
        environment: environment.name,
      },
      { name: input.name?.trim() || `${environment.name} key`, expiresAt },
    )
    await recordEvent(tx, actor, {
      type: 'key.created',
      organizationId: organization.id,
      targetId: created.key.id,
      data: { ...keyFieldsOf(created.key), expiresAt: created.key.expiresAt?.toISOString() ?? null },
    })
    return created
  })
}

/**
 * A new secret for the key's application and environment; the old one works for the grace period.
 * The new key lives until `expiresAt` if given, else as long as the old key was issued to live
 * (never until the old key's grace deadline). A revoked or expired key cannot be rotated.
 */
export async function rotateApiKey(
  deps: ServiceDependencies,
  actor: Actor,
  applicationId: string,
  keyId: string,
  input: { gracePeriodSeconds?: number; expiresAt?: string } = {},
): Promise<CreatedKey> {
  const { gracePeriodSeconds = 0 } = input
  const { organization } = requirePermission(actor, 'credential:create')
  if (
    !Number.isInteger(gracePeriodSeconds) ||
    gracePeriodSeconds < 0 ||
    gracePeriodSeconds > MAX_ROTATION_GRACE_SECONDS
  ) {
    throw invalidField(
      '/gracePeriodSeconds',
      `must be a whole number of seconds from 0 to ${MAX_ROTATION_GRACE_SECONDS}`,
    )
  }
  return inTransaction(deps, async (tx) => {
    await requireApplication(tx.db, actor, applicationId)
    const old = await findApiKey(tx.db, organization.id, applicationId, keyId, true)
    if (!old) throw new DomainError('not_found', 'no such key')
    enforce(
      checkRotatable(
        { ...old, issuedEnvironment: environmentOfPrefix(old.prefix), storedEnvironment: old.environment },
        tx.now,
      ),
    )
    const expiresAt = replacementExpiry(old, futureExpiry(input.expiresAt, tx.now))
    const created = await issueKey(
      tx,
      actor,
      {
        organizationId: organization.id,
        applicationId,
        environmentId: old.environmentId,
        environment: old.environment,
      },
      { name: old.name, expiresAt },
    )
    const deadline = graceDeadline(old, gracePeriodSeconds, tx.now)
    await updateApiKey(tx.db, organization.id, keyId, deadline)
    const previousKeyExpiresAt = 'revokedAt' in deadline ? deadline.revokedAt : deadline.expiresAt
    await recordEvent(tx, actor, {
      type: 'key.rotated',
      organizationId: organization.id,
      targetId: created.key.id,
      data: {
        ...keyFieldsOf(created.key),
        previousKeyId: keyId,
        gracePeriodSeconds,
        previousKeyExpiresAt: previousKeyExpiresAt.toISOString(),
      },
    })
    return created
  })
}

export async function revokeApiKey(
  deps: ServiceDependencies,
  actor: Actor,
  applicationId: string,
  keyId: string,
): Promise<void> {
  const { organization } = requirePermission(actor, 'credential:revoke')
  await inTransaction(deps, async (tx) => {
    await requireApplication(tx.db, actor, applicationId)
    const key = await findApiKey(tx.db, organization.id, applicationId, keyId, true)
    if (!key || key.revokedAt) throw new DomainError('not_found', 'no such key')
    await updateApiKey(tx.db, organization.id, keyId, { revokedAt: tx.now })
    await recordEvent(tx, actor, {
      type: 'key.revoked',
      organizationId: organization.id,
      targetId: keyId,
      data: { ...keyFieldsOf(key), reason: 'revoked' },
    })
  })
}

/**
 * The live keys a membership's end would revoke (see keysEndingWithMembership): what the console
 * shows the remover before they confirm.
 */
export function keysEndingWith(
  db: Executor,
  organizationId: string,
  member: { userId: string; roles: readonly RoleName[] },
  revokeKeys: boolean,
  now: Date,
): Promise<ApiKey[]> {
  return listLiveKeysOfMember(
    db,
    organizationId,
    member.userId,
    keysEndingWithMembership(member, revokeKeys),
    now,
  )
}

/**
 * The one place where keys are revoked because a membership ended (removed or left), in that
 * change's transaction: with `revokeKeys`, every live key the member created; for a portal-only
 * member, every live key of the applications they created. Each records `key.revoked` (reason
 * `membership_ended`);
 * the database announces the revocation to every instance's key cache, which drops it at once.
 */
export async function revokeKeysAtMembershipEnd(
  tx: Transaction,
  actor: Actor,
  organizationId: string,
  member: { userId: string; roles: readonly RoleName[] },
  revokeKeys: boolean,
): Promise<ApiKey[]> {
  const keys = await keysEndingWith(tx.db, organizationId, member, revokeKeys, tx.now)
  await revokeApiKeys(
    tx.db,
    organizationId,
    keys.map((key) => key.id),
    tx.now,
  )
  for (const key of keys) {
    await recordEvent(tx, actor, {
      type: 'key.revoked',
      organizationId,
      targetId: key.id,
      data: { ...keyFieldsOf(key), reason: 'membership_ended' },
    })
  }
  return keys.map((key) => ({ ...key, revokedAt: tx.now }))
}
