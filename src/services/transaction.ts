// The one transaction helper. Each service call runs in exactly one transaction; effects that must
// only happen once it has committed are registered with afterCommit. What the change records
// besides its own rows — its events (events/events.service.ts recordEvent) and its jobs (mail,
// provider calls: queueJob) — is written by one statement when the work is done (closeChange,
// store change-records.ts); once committed, the job dispatcher and the audit chainer are woken.
// The same statement reads which users', organizations' and API keys' access the writes changed
// (the database announces it, migrations 0006 and 0008), so this instance's caches forget them
// before the caller is answered; other instances read it from the database (migration 0012).
import { type AccessChange, type Announced, accessChangesOfTransaction } from '../store/access-changes.ts'
import type { UnchainedEvent } from '../store/audit.repository.ts'
import { writeChangeRecords } from '../store/change-records.ts'
import type { Executor } from '../store/executor.ts'
import type { NewJob } from '../store/jobs.repository.ts'
import { planStatementsOnce } from '../store/prepared-statements.ts'
import type { Actor } from './access.ts'
import type { ServiceDependencies } from './dependencies.ts'
import { chainNewOrganizations } from './events/events.service.ts'
import type { CachedSession, SessionUpdate } from './identity/session-cache.ts'

export interface Transaction {
  db: Executor
  /** One timestamp for everything the change writes. */
  now: Date
  afterCommit(effect: () => void): void
  /** Jobs were written to the outbox: wake the dispatcher after the commit. */
  jobQueued(): void
  /** The events recorded so far and not yet written (see events.service recordEvent). */
  events: UnchainedEvent[]
  /** The jobs queued so far and not yet written (see queueJob). */
  jobs: NewJob[]
  /**
   * The change writes `actor`'s own session or user as `update` says: once it has committed, this
   * instance's cache keeps the caller's session entry so updated instead of dropping it
   * (SessionCache.forgetKeeping), so the caller's next request needs no read.
   */
  updatesSession?(actor: Actor, update: (cached: CachedSession) => CachedSession): void
}

/** Queues a job with the change: written with its last statement, run once it has committed. */
export function queueJob(tx: Transaction, job: NewJob): void {
  tx.jobs.push(job)
  tx.jobQueued()
}

/**
 * Writes what the change recorded (events, jobs) in one statement, and reads the access changes
 * its writes announced. Returns the organizations whose queued events wait for the chainer.
 */
export async function closeChange(tx: Transaction): Promise<{ chains: string[] } & Announced> {
  const events = tx.events.splice(0)
  const jobs = tx.jobs.splice(0)
  if (events.length === 0 && jobs.length === 0) {
    return { chains: [], ...(await accessChangesOfTransaction(tx.db)) }
  }
  const { queued, started } = chainNewOrganizations(events)
  const { deliveries, ...announced } = await writeChangeRecords(tx.db, { queued, started, jobs }, tx.now)
  if (deliveries > 0) tx.jobQueued()
  return { chains: [...new Set(queued.map((event) => event.organizationId))], ...announced }
}

/** What a transaction needs of the services' dependencies. */
export type TransactionDependencies = Pick<
  ServiceDependencies,
  'db' | 'clock' | 'sessionCache' | 'keyCache' | 'outbox' | 'auditChain' | 'announcements'
>

/** How a transaction's statements are planned (see inTransaction). */
export interface TransactionOptions {
  /**
   * Plan each statement once per connection (PostgreSQL's `auto` plan cache mode) instead of with
   * its values every time, foreign-key checks included: for a write group whose statements are
   * the same every time and whose checks find rows by key in tables the write does not grow
   * (store/prepared-statements.ts says why that is not the default).
   */
  planOnce?: boolean
}

export async function inTransaction<T>(
  deps: TransactionDependencies,
  work: (tx: Transaction) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const effects: (() => void)[] = []
  const now = deps.clock.now()
  let accessChanges: AccessChange[] = []
  let xact: string | undefined
  let jobsQueued = false
  let chains: string[] = []
  const sessionUpdates: SessionUpdate[] = []
  const result = await deps.db.transaction().execute(async (db) => {
    const tx: Transaction = {
      db,
      now,
      afterCommit: (effect) => effects.push(effect),
      jobQueued: () => {
        jobsQueued = true
      },
      events: [],
      jobs: [],
      updatesSession: (actor, update) => {
        if (actor.cached) {
          const { tokenHash, session } = actor.cached
          sessionUpdates.push({ tokenHash, before: session, after: update(session) })
        }
      },
    }
    if (options.planOnce) await planStatementsOnce(db)
    const value = await work(tx)
    ;({ chains, accessChanges, xact } = await closeChange(tx))
    return value
  })
  if (accessChanges.length > 0) {
    // Forgotten here, before the answer: this instance need not read them again with the others'.
    if (xact !== undefined) deps.announcements.forgottenHere(xact)
    deps.sessionCache.forgetKeeping(accessChanges, sessionUpdates)
    deps.keyCache.forget(accessChanges)
  }
  if (jobsQueued) deps.outbox.wake()
  if (chains.length > 0) deps.auditChain.wake(chains)
  for (const effect of effects) effect()
  return result
}
