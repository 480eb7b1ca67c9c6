// Reads what other instances' writes announced (rows of `access_announcements`, migration 0012),
// a few times a second, on ordinary pooled connections: no LISTEN, no session state, so it works
// through a pooler in transaction mode. Ids of transactions (`xact`) order the rows: each read
// takes the rows at or above `horizon`, the oldest transaction still running when the previous read
// looked, so a transaction that commits after a later one is still read; rows already delivered
// are remembered until the horizon passes them. Any failed read reports a gap once the database
// answers again (the caller then forgets everything), as does a pause long enough for rows to have
// been pruned.
import { sql } from 'kysely'
import type { Executor } from './executor.ts'

/** How often each instance reads new announcements: well inside the promised second. */
export const ANNOUNCEMENT_POLL_MS = 100
/** Rows are kept this long; a reader paused for longer reports a gap. */
const KEEP_MS = 10 * 60_000
const PRUNE_EVERY_MS = 60_000
const GAP_AFTER_MS = 5 * 60_000

interface Subscriber {
  onKey(key: string): void
  onGap(): void
}

export class AnnouncementFollower {
  readonly #db: Executor
  readonly #pollMs: number
  readonly #subscribers = new Set<Subscriber>()
  /** The xid8 (as text) below which every transaction had ended at the last read. */
  #horizon: string | undefined
  /** Rows delivered whose transaction is at or above the horizon: id → xact. */
  #delivered = new Map<string, bigint>()
  /** Transactions whose announcements this process applied itself (forgottenHere), until the horizon passes them. */
  #forgottenHere = new Set<string>()
  #lastRead = 0
  #lastPrune = 0
  #failed = false
  #timer: NodeJS.Timeout | undefined
  #reading: Promise<void> | undefined

  constructor(db: Executor, options: { pollMs?: number } = {}) {
    this.#db = db
    this.#pollMs = options.pollMs ?? ANNOUNCEMENT_POLL_MS
  }

  /** Delivers every key announced from now on; resolves once the first read has set the horizon. */
  async subscribe(onKey: (key: string) => void, onGap: () => void): Promise<() => Promise<void>> {
    const subscriber = { onKey, onGap }
    this.#subscribers.add(subscriber)
    if (!this.#timer) {
      await this.#read()
      this.#timer = setInterval(() => void this.#read(), this.#pollMs)
      this.#timer.unref()
    }
    return async () => {
      this.#subscribers.delete(subscriber)
      if (this.#subscribers.size === 0) await this.stop()
    }
  }

  /**
   * The transaction `xact` committed in this process, which applied its announcements to its own
   * caches as it answered: its rows are not delivered again (they would only drop entries loaded
   * since, from what it committed).
   */
  forgottenHere(xact: string): void {
    if (this.#horizon !== undefined && BigInt(xact) < BigInt(this.#horizon)) return
    this.#forgottenHere.add(xact)
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#reading
  }

  #read(): Promise<void> {
    // One read at a time: a slow database must not stack them up.
    this.#reading ??= this.#readOnce().finally(() => {
      this.#reading = undefined
    })
    return this.#reading
  }

  async #readOnce(): Promise<void> {
    const started = Date.now()
    let result: { horizon: string; rows: [id: string, xact: string, key: string][] }
    try {
      result = await readAnnouncements(this.#db, this.#horizon)
    } catch {
      this.#failed = true
      return
    }
    const paused = this.#lastRead !== 0 && started - this.#lastRead > GAP_AFTER_MS
    this.#lastRead = started
    if (this.#failed || paused) {
      this.#failed = false
      for (const subscriber of this.#subscribers) subscriber.onGap()
    }
    for (const [id, xact, key] of result.rows) {
      if (this.#delivered.has(id)) continue
      this.#delivered.set(id, BigInt(xact))
      if (this.#forgottenHere.has(xact)) continue
      for (const subscriber of this.#subscribers) subscriber.onKey(key)
    }
    this.#horizon = result.horizon
    const horizon = BigInt(result.horizon)
    for (const [id, xact] of this.#delivered) if (xact < horizon) this.#delivered.delete(id)
    for (const xact of this.#forgottenHere) if (BigInt(xact) < horizon) this.#forgottenHere.delete(xact)
    if (started - this.#lastPrune > PRUNE_EVERY_MS) {
      this.#lastPrune = started
      await pruneAnnouncements(this.#db, KEEP_MS).catch(() => {})
    }
  }
}

/**
 * The rows at or above `horizon` (all of them when undefined is given: the first read), and the
 * next horizon: the oldest transaction running as this read looked.
 */
async function readAnnouncements(
  db: Executor,
  horizon: string | undefined,
): Promise<{ horizon: string; rows: [id: string, xact: string, key: string][] }> {
  const { rows } = await sql<{ horizon: string; rows: [string, string, string][] | null }>`
    select pg_snapshot_xmin(pg_current_snapshot())::text as horizon,
      (select json_agg(json_build_array(id::text, xact::text, key) order by id)
       from access_announcements
       where ${horizon === undefined ? sql`false` : sql`xact >= ${horizon}::xid8`}) as rows`.execute(db)
  const row = rows[0]
  if (!row) throw new Error('no horizon')
  return { horizon: row.horizon, rows: row.rows ?? [] }
}

async function pruneAnnouncements(db: Executor, keepMs: number): Promise<void> {
  await sql`delete from access_announcements where at < now() - make_interval(secs => ${keepMs / 1000})`.execute(
    db,
  )
}
