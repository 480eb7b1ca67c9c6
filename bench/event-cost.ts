// `node bench/event-cost.ts [rounds]`: what recording an event costs a write, on PostgreSQL
// (TEST_DATABASE_URL's server, a fresh database). Two transactions alternate, so the machine's
// load drifts over both alike: the same small write (an environment renamed) with the audit row
// of before the hash chain (one INSERT into legacy_audit_events), and with recordEvent (the chain
// queued with the write, chained later by the chainer). Prints the medians and the difference.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { recordEvent } from '../src/services/events/events.service.ts'
import { closeChange } from '../src/services/transaction.ts'
import { openPostgres } from '../src/store/database.ts'
import { migrateToLatest } from '../src/store/migrate.ts'

const rounds = Number(process.argv[2] ?? 2000)
const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const name = `portico_bench_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: serverUrl })
await admin.connect()
await admin.query(`create database ${name}`)
const url = new URL(serverUrl)
url.pathname = `/${name}`
const database = await openPostgres(url.toString())
const db = database.db
try {
  await migrateToLatest(db)
  const organization = await db
    .insertInto('organizations')
    .values({ handle: 'bench', name: 'Bench', created_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow()
  const environment = await db
    .insertInto('environments')
    .values({ organization_id: organization.id, name: 'bench', created_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow()
  const actor = {
    user: {
      id: '00000000-0000-4000-8000-000000000001',
      name: 'Bench',
      email: 'b@b.test',
      emailVerified: true,
      createdAt: new Date(),
    },
    sessionId: 's',
    activeOrganizationId: null,
    requestId: 'req-1',
  }
  const rename = (tx: typeof db, i: number) =>
    tx
      .updateTable('environments')
      .set({ name: `bench-${i}` })
      .where('id', '=', environment.id)
      .execute()
  const before = (i: number) =>
    db.transaction().execute(async (tx) => {
      await rename(tx, i)
      await tx
        .insertInto('legacy_audit_events' as never)
        .values({
          organization_id: organization.id,
          actor_user_id: actor.user.id,
          action: 'environment.renamed',
          target_type: 'environment',
          target_id: environment.id,
          before: JSON.stringify({ name: `bench-${i - 1}` }),
          after: JSON.stringify({ name: `bench-${i}` }),
          request_id: 'req-1',
          created_at: new Date(),
        } as never)
        .execute()
    })
  const after = (i: number) =>
    db.transaction().execute(async (tx) => {
      await rename(tx, i)
      const recording = {
        db: tx,
        now: new Date(),
        afterCommit: () => {},
        jobQueued: () => {},
        events: [],
        jobs: [],
      }
      await recordEvent(recording, actor, {
        type: 'environment.updated',
        organizationId: organization.id,
        targetId: environment.id,
        data: { before: { name: `bench-${i - 1}` }, after: { name: `bench-${i}` } },
      })
      await closeChange(recording)
    })
  const times = { before: [] as number[], after: [] as number[] }
  for (let i = 0; i < 200; i++) await (i % 2 ? before(i) : after(i))
  for (let i = 0; i < rounds; i++) {
    for (const [kind, write] of i % 2
      ? ([
          ['before', before],
          ['after', after],
        ] as const)
      : ([
          ['after', after],
          ['before', before],
        ] as const)) {
      const started = performance.now()
      await write(i)
      times[kind].push(performance.now() - started)
    }
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0
  const a = median(times.before)
  const b = median(times.after)
  console.log(`write + one audit INSERT (before): median ${a.toFixed(3)} ms`)
  console.log(`write + recordEvent (hash chain):  median ${b.toFixed(3)} ms`)
  console.log(
    `difference: ${(b - a).toFixed(3)} ms per write (${(((b - a) / a) * 100).toFixed(1)} % of this minimal write's transaction)`,
  )
} finally {
  await database.close()
  await admin.query(`drop database if exists ${name} with (force)`)
  await admin.end()
}
