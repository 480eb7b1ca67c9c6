// A cache in memory whose entries the database itself invalidates: each entry is tagged with the
// announcement keys it depends on (`user:<id>`, `organization:<id>`, `keys:<organization id>`;
// migrations 0006 and 0008), and an announcement of one of them drops every entry tagged with it.
// The transaction helper hands this instance's own announcements over just before it answers;
// other instances' (and direct SQL's) are read from the database a few times a second
// (store/announcements.ts). Entries also age out after `ttlMs`, all go when the reader reports a
// gap or the bound is reached, and a load that raced an announcement is not kept: it may hold what
// the announcement was about. The session cache and the key verifier
// are built on it.
import {
  ACCESS_CHANNEL,
  type AccessChange,
  announcedKey,
  parseAccessChange,
} from '../store/access-changes.ts'
import type { Database } from '../store/database.ts'
import type { Clock } from './clock.ts'

interface Entry<V> {
  value: V
  cachedAt: number
  tags: readonly string[]
}

export class AnnouncedCache<V> {
  protected readonly clock: Clock
  readonly #ttlMs: number
  readonly #maxEntries: number
  /** The kinds of announcement this cache depends on; the others do not touch it. */
  readonly #kinds: ReadonlySet<AccessChange['kind']>
  readonly #entries = new Map<string, Entry<V>>()
  readonly #keysOfTag = new Map<string, Set<string>>()
  #generation = 0
  #stopListening: (() => Promise<void>) | undefined

  constructor(options: {
    clock: Clock
    kinds: readonly Exclude<AccessChange['kind'], 'all'>[]
    ttlMs?: number
    maxEntries?: number
  }) {
    this.clock = options.clock
    this.#kinds = new Set(options.kinds)
    this.#ttlMs = options.ttlMs ?? 60_000
    this.#maxEntries = options.maxEntries ?? 100_000
  }

  /** Listens for the changes other instances (and direct SQL) make. */
  async start(database: Database): Promise<void> {
    this.#stopListening = await database.listen(
      ACCESS_CHANNEL,
      (key) => this.forget([parseAccessChange(key)]),
      () => this.clear(),
    )
  }

  async stop(): Promise<void> {
    await this.#stopListening?.()
  }

  /** Taken before a load and handed back to `set`: a load that raced an announcement is dropped. */
  get generation(): number {
    return this.#generation
  }

  get size(): number {
    return this.#entries.size
  }

  /** `now` in ms: the caller reads the clock once per request. */
  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (now - entry.cachedAt >= this.#ttlMs) {
      this.#drop(key)
      return undefined
    }
    return entry.value
  }

  set(key: string, value: V, tags: readonly string[], generation: number): void {
    if (generation !== this.#generation) return
    // Bounded: a flood of distinct keys cannot grow memory without end.
    if (this.#entries.size >= this.#maxEntries) this.clear()
    this.#drop(key)
    this.#entries.set(key, { value, cachedAt: this.clock.now().getTime(), tags })
    for (const tag of tags) {
      const keys = this.#keysOfTag.get(tag)
      if (keys) keys.add(key)
      else this.#keysOfTag.set(tag, new Set([key]))
    }
  }

  forget(changes: readonly AccessChange[]): void {
    const relevant = changes.filter((change) => change.kind === 'all' || this.#kinds.has(change.kind))
    if (relevant.length === 0) return
    this.#generation++
    for (const change of relevant) {
      if (change.kind === 'all') {
        this.clear()
        return
      }
      const tag = announcedKey(change)
      for (const key of this.#keysOfTag.get(tag) ?? []) this.#drop(key)
      this.#keysOfTag.delete(tag)
    }
  }

  clear(): void {
    this.#generation++
    this.#entries.clear()
    this.#keysOfTag.clear()
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key)
    if (!entry) return
    this.#entries.delete(key)
    for (const tag of entry.tags) {
      const keys = this.#keysOfTag.get(tag)
      if (!keys) continue
      keys.delete(key)
      if (keys.size === 0) this.#keysOfTag.delete(tag)
    }
  }
}
