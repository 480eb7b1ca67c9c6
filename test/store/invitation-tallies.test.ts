// The pending-invitation tally (migration 0012) that lets inviting skip counting: whatever the
// writes do to invitations (insert, answer, resend, delete, the organization deleted), its sum is
// the number of invitations whose stored status is pending; folding keeps the sum. On PGlite and
// PostgreSQL.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Executor } from '../../src/store/executor.ts'
import { foldInvitationTally } from '../../src/store/invitations.repository.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import { databases, openTestDatabase, type TestDatabase } from '../helpers/databases.ts'

describe.each(databases)('the pending-invitation tally on %s', (databaseName) => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await openTestDatabase(databaseName)
    await migrateToLatest(database.db)
  })
  afterAll(async () => {
    await database?.close()
  })

  let serial = 0
  async function organization(): Promise<string> {
    serial++
    const row = await database.db
      .insertInto('organizations')
      .values({ handle: `tally-${serial}`, name: `Tally ${serial}`, created_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  }
  async function invite(db: Executor, org: string, count: number, status = 'pending'): Promise<void> {
    serial++
    await sql`insert into invitations (organization_id, email, roles, status, token_hash, created_at, expires_at)
      select ${org}::uuid, 'tally-' || ${serial} || '-' || g || '@example.com', array['member'], ${status},
        md5(${serial} || '-' || g), now(), now() + interval '1 day'
      from generate_series(1, ${count}::int) g`.execute(db)
  }
  const tally = async (org: string) =>
    Number(
      (
        await sql<{
          sum: string | null
        }>`select sum(pending) from invitation_tallies where organization_id = ${org}`.execute(database.db)
      ).rows[0]?.sum ?? 0,
    )
  const pending = async (org: string) =>
    Number(
      (
        await sql<{
          count: string
        }>`select count(*) from invitations where organization_id = ${org} and status = 'pending'`.execute(
          database.db,
        )
      ).rows[0]?.count,
    )

  it('follows inserts, answers, resends and deletions of invitations, and survives a fold', async () => {
    const [org, other] = [await organization(), await organization()]
    await invite(database.db, org, 5)
    await invite(database.db, org, 2, 'revoked')
    await invite(database.db, other, 3)
    expect([await tally(org), await tally(other)]).toEqual([5, 3])
    await database.db.transaction().execute(async (db) => {
      await sql`update invitations set status = 'accepted' where organization_id = ${org} and email like '%-1@example.com' and status = 'pending'`.execute(
        db,
      )
      await sql`update invitations set token_hash = md5(token_hash) where organization_id = ${org}`.execute(
        db,
      )
      await sql`update invitations set status = 'pending' where organization_id = ${org} and status = 'revoked' and email like '%-1@example.com'`.execute(
        db,
      )
    })
    expect(await tally(org)).toBe(await pending(org))
    await sql`delete from invitations where organization_id = ${org} and email like '%-2@example.com'`.execute(
      database.db,
    )
    expect(await tally(org)).toBe(await pending(org))
    await foldInvitationTally(database.db, org)
    expect(await tally(org)).toBe(await pending(org))
    expect(await tally(other)).toBe(3)
  })

  it('counts nothing from a rollback, and goes with its organization', async () => {
    const org = await organization()
    await database.db
      .transaction()
      .execute(async (db) => {
        await invite(db, org, 4)
        throw new Error('roll back')
      })
      .catch(() => {})
    expect(await tally(org)).toBe(0)
    await invite(database.db, org, 2)
    await sql`delete from organizations where id = ${org}`.execute(database.db)
    const { rows } = await sql<{
      count: string
    }>`select count(*) from invitation_tallies where organization_id = ${org}`.execute(database.db)
    expect(Number(rows[0]?.count)).toBe(0)
  })
})
