// The retention sweep: a deleted organization's audit events are kept ORG_AUDIT_RETENTION_DAYS,
// then purged. Every instance sweeps periodically; they never conflict, since each purge step
// locks the organization's chain head and skips heads another instance holds.
import type { Logger } from 'pino'
import type { TransactionDependencies } from '../transaction.ts'
import { purgeExpiredAuditEvents } from './audit-log.service.ts'

const SWEEP_INTERVAL_MS = 60 * 60_000

export class AuditRetentionSweep {
  readonly #deps: TransactionDependencies
  readonly #retentionDays: number
  readonly #logger: Logger
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined

  constructor(options: {
    deps: TransactionDependencies
    retentionDays: number
    logger: Logger
  }) {
    this.#deps = options.deps
    this.#retentionDays = options.retentionDays
    this.#logger = options.logger
  }

  /** Sweeps now, then every hour. */
  start(): void {
    this.#sweep()
    this.#timer = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS)
    this.#timer.unref()
  }

  /** Purges what is due now (one sweep; the timer runs this). */
  async sweepNow(): Promise<number> {
    const purged = await purgeExpiredAuditEvents(this.#deps, this.#retentionDays)
    if (purged > 0) this.#logger.info({ purged }, 'purged audit events of organizations deleted long ago')
    return purged
  }

  #sweep(): void {
    if (this.#running) return
    this.#running = this.sweepNow()
      .then(() => {})
      .catch((error: unknown) => this.#logger.error({ err: error }, 'audit retention sweep failed'))
      .finally(() => {
        this.#running = undefined
      })
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    await this.#running
  }
}
