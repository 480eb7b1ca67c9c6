// Each organization's developer identity in the provider portal: its state there, the last error,
// and when it was last in step (API.md "The developer identity").
import type { Executor } from './executor.ts'

export type DeveloperState = 'pending' | 'active' | 'failed'

export interface DeveloperRecord {
  organizationId: string
  provider: string
  state: DeveloperState
  lastError: string | null
  syncedAt: Date | null
  createdAt: Date
}

export const PROVISION_DEVELOPER_JOB = 'developer.provision'
export const DELETE_DEVELOPER_JOB = 'developer.delete'

export async function insertDeveloper(
  db: Executor,
  developer: { organizationId: string; provider: string; state: DeveloperState; now: Date },
): Promise<void> {
  await db
    .insertInto('developers')
    .values({
      organization_id: developer.organizationId,
      provider: developer.provider,
      state: developer.state,
      synced_at: developer.state === 'active' ? developer.now : null,
      created_at: developer.now,
    })
    .execute()
}

export async function findDeveloper(
  db: Executor,
  organizationId: string,
): Promise<DeveloperRecord | undefined> {
  const row = await db
    .selectFrom('developers')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .executeTakeFirst()
  return (
    row && {
      organizationId: row.organization_id,
      provider: row.provider,
      state: row.state,
      lastError: row.last_error,
      syncedAt: row.synced_at,
      createdAt: row.created_at,
    }
  )
}

/** Sets the state; false when the organization (and so its developer) is gone. */
export async function updateDeveloper(
  db: Executor,
  organizationId: string,
  change: { provider?: string; state: DeveloperState; lastError?: string | null; syncedAt?: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('developers')
    .set({
      state: change.state,
      ...(change.provider !== undefined ? { provider: change.provider } : {}),
      ...(change.lastError !== undefined ? { last_error: change.lastError?.slice(0, 1000) ?? null } : {}),
      ...(change.syncedAt !== undefined ? { synced_at: change.syncedAt } : {}),
    })
    .where('organization_id', '=', organizationId)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}
