// Chains queued events: moves an organization's events from the queue into its hash chain, each
// with the next seq and the hash of API.md's rule, under the chain head's row lock, a batch at a
// time (one commit for many events, where taking the seq in each writing transaction made every
// write of the organization wait for the one before it to reach the disk). Every instance chains:
// soon after its own writes commit (woken by the transaction helper), every second for what other
// instances or a crash left queued, and every reader of the log chains its organization first.
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import { eventHash } from '../../domain/event-chain.ts'
import {
  appendChained,
  hasQueuedEvents,
  organizationsWithQueuedEvents,
  takeQueuedEvents,
} from '../../store/audit.repository.ts'
import type { Tables } from '../../store/tables.ts'

/** Events chained per transaction. */
const BATCH = 500
/** How long a wake waits for more commits to chain with (writes come in bursts). */
const WAKE_DELAY_MS = 50
const POLL_INTERVAL_MS = 1_000
/** Organizations one periodic pass looks at. */
const ORGANIZATIONS_PER_PASS = 100

/**
 * Chains what `organizationId` has queued. `wait`: waits for a chainer that holds the chain (a
 * reader must see every committed event); `skip`: leaves it to that chainer. Its own transactions
 * (the chain changes no one's access and queues no job, so none of inTransaction's effects apply).
 */
export async function chainQueuedEvents(
  db: Kysely<Tables>,
  organizationId: string,
  mode: 'wait' | 'skip',
): Promise<number> {
  // A reader usually finds nothing queued: one index probe, no transaction.
  if (mode === 'wait' && !(await hasQueuedEvents(db, organizationId))) return 0
  let chained = 0
  for (;;) {
    const moved = await db.transaction().execute(async (tx) => {
      const batch = await takeQueuedEvents(tx, organizationId, { skipLocked: mode === 'skip', limit: BATCH })
      if (!batch || batch.events.length === 0) return 0
      let { seq, hash } = batch.head
      let closedAt: Date | undefined
      const links = batch.events.map(({ position, ...event }) => {
        seq += 1
        hash = eventHash(hash, { ...event, seq })
        if (event.type === 'organization.deleted') closedAt = new Date(event.occurredAt)
        return { position, seq, hash }
      })
      await appendChained(tx, organizationId, links, closedAt)
      return links.length
    })
    chained += moved
    if (moved < BATCH) return chained
  }
}

/** The chainer each instance runs in the background. */
export class AuditChainer {
  readonly #db: Kysely<Tables>
  readonly #logger: Logger
  /** Organizations this instance queued events of since the last pass. */
  readonly #woken = new Set<string>()
  #timer: NodeJS.Timeout | undefined
  #soon: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  /** A pass was asked for while one ran; `discover`: look for every organization's queued events. */
  #again: { discover: boolean } | undefined
  #stopped = true

  constructor(options: { db: Kysely<Tables>; logger: Logger }) {
    this.#db = options.db
    this.#logger = options.logger
  }

  start(): void {
    this.#stopped = false
    this.#timer = setInterval(() => this.#pass(true), POLL_INTERVAL_MS)
    this.#timer.unref()
    this.#pass(true)
  }

  /** These organizations' events were queued and committed: chain them shortly, with what else commits meanwhile. */
  wake(organizationIds: readonly string[]): void {
    if (this.#stopped) return
    for (const id of organizationIds) this.#woken.add(id)
    if (this.#soon) return
    this.#soon = setTimeout(() => {
      this.#soon = undefined
      this.#pass(false)
    }, WAKE_DELAY_MS)
  }

  /** Chains everything queued now (tests, shutdown); resolves when done. */
  async chainAll(): Promise<void> {
    await this.#running
    await this.#chainQueued('wait', true)
  }

  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    clearTimeout(this.#soon)
    this.#soon = undefined
    await this.#running
  }

  #pass(discover: boolean): void {
    if (this.#stopped) return
    if (this.#running) {
      this.#again = { discover: discover || (this.#again?.discover ?? false) }
      return
    }
    this.#running = this.#chainQueued('skip', discover)
      .catch((error: unknown) => this.#logger.error({ err: error }, 'chaining audit events failed'))
      .finally(() => {
        this.#running = undefined
        const again = this.#again
        this.#again = undefined
        if (again) this.#pass(again.discover)
      })
  }

  async #chainQueued(mode: 'wait' | 'skip', discover: boolean): Promise<void> {
    const organizations = new Set(this.#woken)
    this.#woken.clear()
    if (discover) {
      for (const id of await organizationsWithQueuedEvents(this.#db, ORGANIZATIONS_PER_PASS))
        organizations.add(id)
    }
    for (const organizationId of organizations) await chainQueuedEvents(this.#db, organizationId, mode)
  }
}
