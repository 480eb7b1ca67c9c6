// The one dispatcher of the outbox of jobs (store/jobs.repository.ts): mail, webhook deliveries
// and provider calls. Jobs are leased (not locked) while they run, so no database connection is
// held during SMTP or HTTP; a job is marked done only after its handler succeeded, so a crash at
// any point leads to another attempt, never a loss (at least once). Each kind brings a handler:
// what one attempt does, when to try again, and what to write with the outcome.
//
// Up to `concurrency` jobs run at once, and a free slot is filled as soon as one ends: a receiver
// that hangs until its timeout holds one slot, never the others, and never a request (requests
// only queue jobs and wake the dispatcher after their commit).
import type { Executor } from '../../store/executor.ts'
import {
  type AttemptRecord,
  type LeasedJob,
  leaseDueJobs,
  recordAttempt,
  recordAttempts,
} from '../../store/jobs.repository.ts'
import { CallGroups, type GroupedCall } from '../call-groups.ts'
import type { Clock } from '../clock.ts'
import { closeChange, type Transaction } from '../transaction.ts'

export interface JobLogger {
  info(object: object, message: string): void
  error(object: object, message: string): void
}

export interface JobOutcome {
  ok: boolean
  /** The receiver's HTTP status, when there was one. */
  statusCode?: number | null
  error?: string
  /** How it was done ('smtp', 'log'), recorded on the job. */
  via?: string
  /** Give up now, whatever the retry schedule says. */
  giveUp?: boolean
}

export interface JobHandler {
  /** One attempt. Must end (succeed, fail or time out) well within the dispatcher's lease. */
  run(job: LeasedJob): Promise<JobOutcome>
  /** Milliseconds until the next attempt after `attempts` failed ones; null to give up. */
  retryDelayMs(attempts: number, job: LeasedJob): number | null
  /**
   * Row locks to take before the job's own, in the transaction that records the outcome, so that
   * settle() locks rows in the same order as the requests that change them (no deadlock).
   */
  lock?(tx: Transaction, job: LeasedJob, outcome: JobOutcome): Promise<void>
  /** Writes that go with the outcome, in the transaction that records it. */
  settle?(tx: Transaction, job: LeasedJob, outcome: JobOutcome, final: boolean): Promise<void>
  close?(): void
}

export type Transact = <T>(work: (tx: Transaction) => Promise<T>) => Promise<T>

export interface JobDispatcherOptions {
  db: Executor
  clock: Clock
  handlers: Record<string, JobHandler>
  logger: JobLogger
  /** The transaction helper settle() runs in; default: a plain transaction on db. */
  transact?: Transact
  pollIntervalMs?: number
  leaseMs?: number
  /** Jobs run at once by this instance. */
  concurrency?: number
  /** The instance's call groups, which the records of finished jobs join; default: the dispatcher's own. */
  callGroups?: CallGroups
}

export class JobDispatcher {
  readonly #db: Executor
  readonly #clock: Clock
  readonly #handlers: Record<string, JobHandler>
  readonly #kinds: string[]
  readonly #logger: JobLogger
  readonly #transact: Transact
  readonly #pollIntervalMs: number
  readonly #leaseMs: number
  readonly #concurrency: number
  readonly #callGroups: CallGroups
  readonly #recordAttempts: GroupedCall<{ job: LeasedJob; record: AttemptRecord }, boolean> = {
    alone: ({ job, record }) => recordAttempt(this.#db, job, record),
    together: async (attempts) => {
      const recorded = await recordAttempts(this.#db, attempts)
      return attempts.map(({ job }) => ({ value: recorded.has(job.id) }))
    },
  }
  readonly #inFlight = new Set<Promise<void>>()
  /** Ids of the jobs this instance is running: never leased again while they run. */
  readonly #running = new Set<string>()
  #timer: NodeJS.Timeout | undefined
  #pumping = false
  #again = false
  /** The last lease filled every free slot: more may be due. */
  #moreDue = false
  #stopped = true

  constructor(options: JobDispatcherOptions) {
    this.#db = options.db
    this.#clock = options.clock
    this.#handlers = options.handlers
    this.#kinds = Object.keys(options.handlers)
    this.#logger = options.logger
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000
    this.#leaseMs = options.leaseMs ?? 30_000
    this.#concurrency = options.concurrency ?? 32
    this.#callGroups = options.callGroups ?? new CallGroups()
    this.#transact = options.transact ?? ((work) => this.#plainTransaction(work))
  }

  async #plainTransaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const effects: (() => void)[] = []
    const result = await this.#db.transaction().execute(async (db) => {
      const tx: Transaction = {
        db,
        now: this.#clock.now(),
        afterCommit: (effect) => effects.push(effect),
        jobQueued: () => effects.push(() => this.wake()),
        events: [],
        jobs: [],
      }
      const value = await work(tx)
      await closeChange(tx)
      return value
    })
    for (const effect of effects) effect()
    return result
  }

  start(): void {
    this.#stopped = false
    this.wake()
  }

  /** Called after a transaction that queued jobs commits: run them now rather than at the next poll. */
  wake(): void {
    if (this.#stopped) return
    void this.#pump()
  }

  /** Stops leasing and waits for the jobs running; what is left stays in the outbox. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight)
    for (const handler of Object.values(this.#handlers)) handler.close?.()
  }

  /** Runs every due job and waits for them (tests, the CLI); returns how many succeeded. */
  async runDue(batchSize = 10): Promise<number> {
    let succeeded = 0
    for (;;) {
      const jobs = await this.#lease(batchSize)
      const outcomes = await Promise.all(jobs.map((job) => this.#runOne(job)))
      succeeded += outcomes.filter(Boolean).length
      if (jobs.length < batchSize || this.#stopped) return succeeded
    }
  }

  async #lease(limit: number): Promise<LeasedJob[]> {
    const now = this.#clock.now()
    const until = new Date(now.getTime() + this.#leaseMs)
    const jobs = await leaseDueJobs(this.#db, this.#kinds, now, until, limit, [...this.#running])
    for (const job of jobs) this.#running.add(job.id)
    return jobs
  }

  /** Fills the free slots with due jobs; called on wake, on each poll, and as jobs end. */
  async #pump(): Promise<void> {
    if (this.#pumping) {
      this.#again = true
      return
    }
    this.#pumping = true
    clearTimeout(this.#timer)
    try {
      do {
        this.#again = false
        while (!this.#stopped && this.#inFlight.size < this.#concurrency) {
          const free = this.#concurrency - this.#inFlight.size
          const jobs = await this.#lease(free)
          this.#moreDue = jobs.length === free
          for (const job of jobs) {
            const running: Promise<void> = this.#runOne(job).then(() => {
              this.#inFlight.delete(running)
              if (this.#moreDue) this.wake()
            })
            this.#inFlight.add(running)
          }
          if (!this.#moreDue) break
        }
      } while (this.#again && !this.#stopped)
    } catch (error) {
      this.#logger.error({ err: error }, 'job dispatcher could not read the outbox')
    } finally {
      this.#pumping = false
      if (!this.#stopped) {
        this.#timer = setTimeout(() => this.wake(), this.#pollIntervalMs)
        this.#timer.unref()
      }
    }
  }

  /** One attempt of one leased job, and its record; true when it succeeded. Never throws. */
  async #runOne(job: LeasedJob): Promise<boolean> {
    try {
      return await this.#attempt(job)
    } finally {
      this.#running.delete(job.id)
    }
  }

  async #attempt(job: LeasedJob): Promise<boolean> {
    const handler = this.#handlers[job.kind]
    if (!handler) return false
    let outcome: JobOutcome
    try {
      outcome = await handler.run(job)
    } catch (error) {
      outcome = { ok: false, error: (error as Error).message }
    }
    try {
      const now = this.#clock.now()
      const delay = outcome.ok || outcome.giveUp ? null : handler.retryDelayMs(job.attempts, job)
      const final = outcome.ok || delay === null
      const attempt = {
        at: now,
        status: outcome.ok ? 'succeeded' : delay === null ? 'failed' : 'pending',
        retryAt: delay === null ? undefined : new Date(now.getTime() + delay),
        statusCode: outcome.statusCode,
        error: outcome.ok ? null : (outcome.error ?? 'failed'),
        via: outcome.via,
      } as const
      if (!handler.lock && !handler.settle) {
        // Nothing goes with the record (a mail): one statement, no transaction around it, for
        // every record of the jobs ending meanwhile (services/call-groups.ts).
        await this.#callGroups.run('job.record', { job, record: attempt }, this.#recordAttempts)
      } else {
        await this.#transact(async (tx) => {
          await handler.lock?.(tx, job, outcome)
          const recorded = await recordAttempt(tx.db, job, attempt)
          if (recorded && handler.settle) await handler.settle(tx, job, outcome, final)
        })
      }
      if (outcome.ok) {
        this.#logger.info({ jobId: job.id, kind: job.kind, via: outcome.via }, 'job done')
      } else {
        this.#logger.error(
          { jobId: job.id, kind: job.kind, attempts: job.attempts, giveUp: final, error: outcome.error },
          'job attempt failed',
        )
      }
    } catch (error) {
      // The lease runs out and the job is tried again: at least once.
      this.#logger.error({ err: error, jobId: job.id, kind: job.kind }, 'job outcome not recorded')
    }
    return outcome.ok
  }
}
