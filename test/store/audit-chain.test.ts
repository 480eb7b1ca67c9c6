// Events are queued by the writing transaction and chained afterwards (services/events/
// audit-chain.ts): however many chainers run at once, waiting or skipping, every queued event is
// chained exactly once, in queue order, seq from 1 without gaps, with API.md's hash. On PGlite and
// PostgreSQL.
import { createHash, randomUUID } from 'node:crypto'
import canonicalize from 'canonicalize'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chainQueuedEvents } from '../../src/services/events/audit-chain.ts'
import { recordEvent } from '../../src/services/events/events.service.ts'
import { closeChange, type Transaction } from '../../src/services/transaction.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import { databases, openTestDatabase, type TestDatabase } from '../helpers/databases.ts'

describe.each(databases)('the audit chainer on %s', (databaseName) => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await openTestDatabase(databaseName)
    await migrateToLatest(database.db)
  })
  afterAll(async () => {
    await database.close()
  })

  /** Queues `count` events of one organization in `transactions` transactions, as writes do. */
  async function queue(organizationId: string, count: number, transactions: number) {
    const perTransaction = Math.ceil(count / transactions)
    for (let start = 0; start < count; start += perTransaction) {
      await database.db.transaction().execute(async (db) => {
        const tx: Transaction = {
          db,
          now: new Date(),
          afterCommit: () => {},
          jobQueued: () => {},
          events: [],
          jobs: [],
        }
        for (let i = start; i < Math.min(count, start + perTransaction); i++) {
          await recordEvent(tx, 'system', {
            type: 'environment.created',
            organizationId,
            targetId: `environment-${i}`,
            data: { name: `env-${i}` },
          })
        }
        await closeChange(tx)
      })
    }
  }

  async function chain(organizationId: string) {
    return database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('seq')
      .execute()
  }

  it('chains every queued event once, in order, however many chainers race', async () => {
    const organizationId = randomUUID()
    await queue(organizationId, 1200, 12)
    const chained = await Promise.all(
      ['skip', 'wait', 'skip', 'wait', 'wait', 'skip'].map((mode) =>
        chainQueuedEvents(database.db, organizationId, mode as 'wait' | 'skip'),
      ),
    )
    expect(chained.reduce((sum, n) => sum + n, 0)).toBe(1200)
    const rows = await chain(organizationId)
    expect(rows.map((row) => Number(row.seq))).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1))
    expect(rows.map((row) => row.target_id)).toEqual(
      Array.from({ length: 1200 }, (_, i) => `environment-${i}`),
    )
    // API.md's rule, computed here with the canonicalize package, not Portico's code.
    let previous = '0'.repeat(64)
    for (const row of rows) {
      const served = {
        id: row.id,
        organizationId: row.organization_id,
        seq: Number(row.seq),
        type: row.type,
        occurredAt: row.occurred_at.toISOString(),
        actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
        target: { type: row.target_type, id: row.target_id },
        data: row.data,
        requestId: row.request_id,
      }
      const expected = createHash('sha256')
        .update(previous + canonicalize(served), 'utf8')
        .digest('hex')
      expect(row.hash).toBe(expected)
      previous = expected
    }
    const head = await database.db
      .selectFrom('audit_chain_heads')
      .select(['seq', 'hash'])
      .where('organization_id', '=', organizationId)
      .executeTakeFirstOrThrow()
    expect({ seq: Number(head.seq), hash: head.hash }).toEqual({ seq: 1200, hash: previous })
    const left = await database.db
      .selectFrom('audit_event_queue')
      .select('position')
      .where('organization_id', '=', organizationId)
      .execute()
    expect(left).toEqual([])
  })

  it('goes on from the head when more is queued later, and starts no chain for an organization with nothing queued', async () => {
    const organizationId = randomUUID()
    await queue(organizationId, 3, 1)
    expect(await chainQueuedEvents(database.db, organizationId, 'wait')).toBe(3)
    await queue(organizationId, 2, 2)
    expect(await chainQueuedEvents(database.db, organizationId, 'skip')).toBe(2)
    expect((await chain(organizationId)).map((row) => Number(row.seq))).toEqual([1, 2, 3, 4, 5])
    const nothing = randomUUID()
    expect(await chainQueuedEvents(database.db, nothing, 'wait')).toBe(0)
    expect(
      await database.db
        .selectFrom('audit_chain_heads')
        .select('seq')
        .where('organization_id', '=', nothing)
        .execute(),
    ).toEqual([])
  })
})
