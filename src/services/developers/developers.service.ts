// Each organization's developer identity in the provider portal (API.md "The developer identity").
// Its id is the organization's. PROVIDER_PORTAL=none: Portico is the provider and the identity is
// active at once. api7: created in API7's Developer Portal with the organization — before it is
// written (PROVIDER_PROVISIONING=required) or by a job retried on WEBHOOK_RETRY_SCHEDULE (async) —
// and deleted by a job when the organization goes.
import { DomainError } from '../../domain/errors.ts'
import { retryDelay } from '../../domain/webhooks.ts'
import {
  DELETE_DEVELOPER_JOB,
  type DeveloperState,
  findDeveloper,
  insertDeveloper,
  PROVISION_DEVELOPER_JOB,
  updateDeveloper,
} from '../../store/developers.repository.ts'
import type { Executor } from '../../store/executor.ts'
import { deleteJobsOf } from '../../store/jobs.repository.ts'
import { type Actor, requirePermission } from '../access.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import { recordEvent } from '../events/events.service.ts'
import type { JobHandler } from '../jobs/dispatcher.ts'
import { inTransaction, queueJob, type Transaction } from '../transaction.ts'
import { type ProviderPortal, ProviderRefused } from './provider-portal.ts'

export interface Developer {
  developerId: string
  provider: string
  state: DeveloperState
  lastError: string | null
  syncedAt: Date | null
}

/** The identity as GET …/developer answers it. */
export async function readDeveloper(
  deps: ServiceDependencies,
  db: Executor,
  organization: { id: string; createdAt: Date },
): Promise<Developer> {
  const record = await findDeveloper(db, organization.id)
  const portal = deps.providerPortal
  if (!portal) {
    return {
      developerId: organization.id,
      provider: 'portico',
      state: 'active',
      lastError: null,
      syncedAt: record?.syncedAt ?? organization.createdAt,
    }
  }
  // An organization made while Portico was its own provider has no identity at the portal yet.
  if (!record || record.provider !== portal.name) {
    return {
      developerId: organization.id,
      provider: portal.name,
      state: 'pending',
      lastError: null,
      syncedAt: null,
    }
  }
  return {
    developerId: organization.id,
    provider: record.provider,
    state: record.state,
    lastError: record.lastError,
    syncedAt: record.syncedAt,
  }
}

export async function getDeveloper(deps: ServiceDependencies, actor: Actor): Promise<Developer> {
  const { organization } = requirePermission(actor, 'organization:read')
  return readDeveloper(deps, deps.db, organization)
}

/** Tries provisioning again now (202); with PROVIDER_PORTAL=none there is nothing to do. */
export async function syncDeveloper(deps: ServiceDependencies, actor: Actor): Promise<void> {
  const { organization } = requirePermission(actor, 'organization:update')
  const portal = deps.providerPortal
  if (!portal) return
  await inTransaction(deps, async (tx) => {
    const record = await findDeveloper(tx.db, organization.id)
    if (!record) {
      await insertDeveloper(tx.db, {
        organizationId: organization.id,
        provider: portal.name,
        state: 'pending',
        now: tx.now,
      })
    } else {
      const state = record.provider === portal.name && record.state === 'active' ? 'active' : 'pending'
      await updateDeveloper(tx.db, organization.id, { provider: portal.name, state })
    }
    // One provisioning at a time: the new attempt replaces any still scheduled.
    await deleteJobsOf(tx.db, organization.id, [PROVISION_DEVELOPER_JOB])
    await queueProvisioning(tx, organization.id)
  })
}

async function queueProvisioning(tx: Transaction, organizationId: string): Promise<void> {
  queueJob(tx, {
    kind: PROVISION_DEVELOPER_JOB,
    organizationId,
    subjectId: organizationId,
    payload: { developerId: organizationId },
  })
}

/**
 * PROVIDER_PROVISIONING=required: creates the developer before the organization is written (at
 * most 10 s); refused or unreachable, nothing is created and the caller gets 502.
 */
export async function provisionBeforeCreation(
  deps: ServiceDependencies,
  organizationId: string,
): Promise<boolean> {
  const portal = deps.providerPortal
  if (!portal || deps.providerProvisioning !== 'required') return false
  try {
    await portal.createDeveloper(organizationId)
  } catch (error) {
    throw new DomainError(
      'provider_unavailable',
      error instanceof ProviderRefused ? error.message : 'the provider portal could not be reached',
    )
  }
  return true
}

/** Undoes provisionBeforeCreation when the organization then failed to be written. */
export async function undoProvisioning(deps: ServiceDependencies, organizationId: string): Promise<void> {
  const portal = deps.providerPortal
  if (!portal) return
  try {
    await portal.deleteDeveloper(organizationId)
  } catch {
    // Retried in the background like any deletion.
    await inTransaction(deps, async (tx) => queueDeletion(tx, organizationId))
  }
}

/**
 * The developer identity a new organization starts with: Portico's own, active at once; or the
 * provider portal's, active when provisionBeforeCreation made it, else pending.
 */
export function developerOfNewOrganization(
  deps: ServiceDependencies,
  provisioned: boolean,
): { provider: string; state: DeveloperState } {
  const portal = deps.providerPortal
  if (!portal) return { provider: 'portico', state: 'active' }
  return { provider: portal.name, state: provisioned ? 'active' : 'pending' }
}

/** In the organization's creation, once its identity's row is written: the event, or the provisioning job. */
export async function afterDeveloperCreated(
  deps: ServiceDependencies,
  tx: Transaction,
  actor: Actor,
  organizationId: string,
  provisioned: boolean,
): Promise<void> {
  const portal = deps.providerPortal
  if (!portal) return
  if (provisioned) {
    await recordEvent(tx, actor, {
      type: 'developer.provisioned',
      organizationId,
      targetId: organizationId,
      data: { developerId: organizationId, provider: portal.name },
    })
  } else {
    await queueProvisioning(tx, organizationId)
  }
}

async function queueDeletion(tx: Transaction, organizationId: string): Promise<void> {
  queueJob(tx, {
    kind: DELETE_DEVELOPER_JOB,
    organizationId,
    subjectId: organizationId,
    payload: { developerId: organizationId },
  })
}

/** In the organization's deletion: its developer goes in the background, never waited for. */
export async function developerOfDeletedOrganization(
  deps: ServiceDependencies,
  tx: Transaction,
  organizationId: string,
): Promise<void> {
  await deleteJobsOf(tx.db, organizationId, [PROVISION_DEVELOPER_JOB])
  if (deps.providerPortal) await queueDeletion(tx, organizationId)
}

const developerIdOf = (payload: unknown) => (payload as { developerId: string }).developerId

/** The jobs of the provider portal: provisioning and deletion, each retried on the schedule. */
export function developerJobHandlers(
  deps: ServiceDependencies,
  portal: ProviderPortal,
): Record<string, JobHandler> {
  const schedule = deps.webhooks.retrySchedule
  const failure = (error: unknown) => ({
    ok: false,
    error: (error as Error).message,
    statusCode: error instanceof ProviderRefused ? error.statusCode : null,
  })
  return {
    [PROVISION_DEVELOPER_JOB]: {
      run: async (job) => {
        const developerId = developerIdOf(job.payload)
        if (!(await findDeveloper(deps.db, developerId)))
          return { ok: false, giveUp: true, error: 'the organization was deleted' }
        try {
          await portal.createDeveloper(developerId)
        } catch (error) {
          return failure(error)
        }
        if (!(await findDeveloper(deps.db, developerId))) {
          // The organization went while the portal was creating its developer; the deletion
          // queued with it may have run before the creation landed: delete it once more.
          await undoProvisioning(deps, developerId)
          return { ok: false, giveUp: true, error: 'the organization was deleted' }
        }
        return { ok: true }
      },
      retryDelayMs: (attempts) => retryDelay(schedule, attempts),
      settle: async (tx, job, outcome, final) => {
        if (outcome.giveUp) return
        const developerId = developerIdOf(job.payload)
        const exists = await updateDeveloper(
          tx.db,
          developerId,
          outcome.ok
            ? { provider: portal.name, state: 'active', lastError: null, syncedAt: tx.now }
            : {
                provider: portal.name,
                state: final ? 'failed' : 'pending',
                lastError: outcome.error ?? 'failed',
              },
        )
        if (!exists) return
        if (outcome.ok) {
          await recordEvent(tx, 'system', {
            type: 'developer.provisioned',
            organizationId: developerId,
            targetId: developerId,
            data: { developerId, provider: portal.name },
          })
        } else {
          await recordEvent(tx, 'system', {
            type: 'developer.provisioning_failed',
            organizationId: developerId,
            targetId: developerId,
            data: {
              developerId,
              provider: portal.name,
              attempt: job.attempts,
              error: outcome.error ?? 'failed',
            },
          })
        }
      },
    },
    [DELETE_DEVELOPER_JOB]: {
      run: async (job) => {
        try {
          await portal.deleteDeveloper(developerIdOf(job.payload))
          return { ok: true }
        } catch (error) {
          return failure(error)
        }
      },
      retryDelayMs: (attempts) => retryDelay(schedule, attempts),
    },
  }
}
