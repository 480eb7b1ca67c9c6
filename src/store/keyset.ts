// The keyset condition every (created_at, id) list shares: rows strictly after the cursor's row.
import { type RawBuilder, sql } from 'kysely'

export function createdAfter(table: string, after: { at: Date; id: string }): RawBuilder<boolean> {
  return sql<boolean>`(${sql.ref(`${table}.created_at`)}, ${sql.ref(`${table}.id`)}) > (${after.at}, ${after.id}::uuid)`
}
