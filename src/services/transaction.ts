// The one transaction helper. Each service call runs in exactly one transaction; effects that must
// only happen once it has committed are registered with afterCommit; a call that queued jobs in the
// outbox (mail, webhook deliveries, provider calls) says so with jobQueued, and the job dispatcher is
// woken once it commits.
// Just before committing it reads which users', organizations' and API keys' access the writes
// changed (the database announces it, migrations 0006 and 0008), so this instance's caches forget
// them before the caller is answered; other instances read it from the database (migration 0012).
import { type AccessChange, accessChangesOfTransaction } from '../store/access-changes.ts'
import type { Executor } from '../store/executor.ts'
import type { ServiceDependencies } from './dependencies.ts'

export interface Transaction {
  db: Executor
  /** One timestamp for everything the change writes. */
  now: Date
  afterCommit(effect: () => void): void
  /** Jobs were written to the outbox: wake the dispatcher after the commit. */
  jobQueued(): void
}

export async function inTransaction<T>(
  deps: Pick<ServiceDependencies, 'db' | 'clock' | 'sessionCache' | 'keyCache' | 'outbox'>,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const effects: (() => void)[] = []
  const now = deps.clock.now()
  let accessChanges: AccessChange[] = []
  let jobsQueued = false
  const result = await deps.db.transaction().execute(async (db) => {
    const value = await work({
      db,
      now,
      afterCommit: (effect) => effects.push(effect),
      jobQueued: () => {
        jobsQueued = true
      },
    })
    accessChanges = await accessChangesOfTransaction(db)
    return value
  })
  if (accessChanges.length > 0) {
    deps.sessionCache.forget(accessChanges)
    deps.keyCache.forget(accessChanges)
  }
  if (jobsQueued) deps.outbox.wake()
  for (const effect of effects) effect()
  return result
}
