// What the database announces when who may act, or what a key verification answers, changes
// (triggers of migrations 0006 and 0008): keys of the form `user:<id>`, `organization:<id>`,
// `keys:<organization id>` or `*` (everything), as rows every instance reads (migration 0012,
// announcements.ts) and in a transaction-local setting for the transaction that made the change.
import { sql } from 'kysely'
import type { Executor } from './executor.ts'
import { CLOSING_STATEMENT } from './pipelined-transactions.ts'

export const ACCESS_CHANNEL = 'portico_access'

export type AccessChange =
  | { kind: 'user'; id: string }
  | { kind: 'organization'; id: string }
  /** The API keys of the organization `id` may verify differently. */
  | { kind: 'keys'; id: string }
  | { kind: 'all' }

/** The key the database announces for a change (the inverse of parseAccessChange). */
export function announcedKey(change: Exclude<AccessChange, { kind: 'all' }>): string {
  return `${change.kind}:${change.id}`
}

/** Reads one announced key; unknown shapes count as everything (safe: the cache just refills). */
export function parseAccessChange(key: string): AccessChange {
  if (key.startsWith('user:')) return { kind: 'user', id: key.slice('user:'.length) }
  if (key.startsWith('organization:')) return { kind: 'organization', id: key.slice('organization:'.length) }
  if (key.startsWith('keys:')) return { kind: 'keys', id: key.slice('keys:'.length) }
  return { kind: 'all' }
}

/** The keys this transaction's writes have announced so far, as SQL (a statement can return it with its own answer). */
export const announcedInTransaction = sql<string | null>`current_setting('portico.access_changes', true)`

/** The transaction's id (xid8, as text) when it has written, as SQL: the `xact` of its announcements' rows. */
export const transactionId = sql<string | null>`pg_current_xact_id_if_assigned()::text`

/** What a transaction announced: the changes, and the transaction's id they are recorded under. */
export interface Announced {
  accessChanges: AccessChange[]
  /** Undefined when the transaction wrote nothing. */
  xact: string | undefined
}

/** The changes in what announcedInTransaction returned, each once. */
export function accessChangesOf(announced: string | null | undefined): AccessChange[] {
  const keys = new Set((announced ?? '').split(' ').filter((key) => key !== ''))
  return [...keys].map(parseAccessChange)
}

/** The changes this transaction's writes have announced so far, each once, and its id. */
export async function accessChangesOfTransaction(db: Executor): Promise<Announced> {
  const { rows } = await sql<{ changes: string | null; xact: string | null }>`${sql.raw(CLOSING_STATEMENT)}
    select ${announcedInTransaction} as changes, ${transactionId} as xact`.execute(db)
  return { accessChanges: accessChangesOf(rows[0]?.changes), xact: rows[0]?.xact ?? undefined }
}
