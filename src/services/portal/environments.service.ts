// Environments: development and production exist from an organization's creation; environment
// managers add, rename and delete them (neither renamed nor deleted while unrevoked keys exist in
// one: a key carries its environment's name). The environment's row is locked for the check, and
// key creation holds a share lock on it, so a key cannot slip in between the count and the change.
import { DomainError } from '../../domain/errors.ts'
import type { Environment } from '../../domain/portal.ts'
import {
  countKeysInEnvironment,
  deleteEnvironment as deleteEnvironmentRow,
  findEnvironment,
  insertEnvironment,
  listEnvironments as listEnvironmentRows,
  renameEnvironment as renameEnvironmentRow,
} from '../../store/environments.repository.ts'
import { type Actor, requirePermission } from '../access.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import { recordEvent } from '../events/events.service.ts'
import { inTransaction } from '../transaction.ts'

const taken = (name: string) => new DomainError('conflict', `an environment named ${name} exists`)

export async function listEnvironments(deps: ServiceDependencies, actor: Actor): Promise<Environment[]> {
  const { organization } = requirePermission(actor, 'environment:read')
  return listEnvironmentRows(deps.db, organization.id)
}

export async function createEnvironment(
  deps: ServiceDependencies,
  actor: Actor,
  name: string,
): Promise<Environment> {
  const { organization } = requirePermission(actor, 'environment:manage')
  return inTransaction(deps, async (tx) => {
    const environment = await insertEnvironment(tx.db, { organizationId: organization.id, name, now: tx.now })
    if (!environment) throw taken(name)
    await recordEvent(tx, actor, {
      type: 'environment.created',
      organizationId: organization.id,
      targetId: environment.id,
      data: { name },
    })
    return environment
  })
}

export async function renameEnvironment(
  deps: ServiceDependencies,
  actor: Actor,
  id: string,
  name: string,
): Promise<Environment> {
  const { organization } = requirePermission(actor, 'environment:manage')
  return inTransaction(deps, async (tx) => {
    const before = await findEnvironment(tx.db, organization.id, { id }, 'update')
    if (!before) throw new DomainError('not_found', 'no such environment')
    if (before.name === name) return before
    // A key carries its environment's name (domain/api-keys.ts) and verification answers that
    // name: renaming under live keys would relabel them, so it is refused as deleting is.
    if ((await countKeysInEnvironment(tx.db, organization.id, id)) > 0) {
      throw new DomainError(
        'conflict',
        'this environment has API keys, which carry its name: revoke them before renaming it',
      )
    }
    const environment = await renameEnvironmentRow(tx.db, organization.id, id, name)
    if (!environment) throw taken(name)
    await recordEvent(tx, actor, {
      type: 'environment.updated',
      organizationId: organization.id,
      targetId: id,
      data: { before: { name: before.name }, after: { name } },
    })
    return environment
  })
}

export async function deleteEnvironment(deps: ServiceDependencies, actor: Actor, id: string): Promise<void> {
  const { organization } = requirePermission(actor, 'environment:manage')
  await inTransaction(deps, async (tx) => {
    const environment = await findEnvironment(tx.db, organization.id, { id }, 'update')
    if (!environment) throw new DomainError('not_found', 'no such environment')
    if ((await countKeysInEnvironment(tx.db, organization.id, id)) > 0) {
      throw new DomainError('conflict', 'this environment has API keys: revoke them before deleting it')
    }
    await deleteEnvironmentRow(tx.db, organization.id, id)
    await recordEvent(tx, actor, {
      type: 'environment.deleted',
      organizationId: organization.id,
      targetId: id,
      data: { name: environment.name },
    })
  })
}
