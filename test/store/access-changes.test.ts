// The database announces every change to who may act (migration 0006) and to what a key
// verification answers (migration 0008): each kind of write names exactly the user or
// organization it touched, in the transaction and to every listener (migration 0012: as rows every
// instance reads); bulk writes say "everything". On PGlite and PostgreSQL.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ACCESS_CHANNEL,
  type AccessChange,
  accessChangesOfTransaction,
} from '../../src/store/access-changes.ts'
import type { Executor } from '../../src/store/executor.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import { databases, openTestDatabase, type TestDatabase } from '../helpers/databases.ts'

describe.each(databases)('access changes announced by %s', (databaseName) => {
  let database: TestDatabase
  const heard: string[] = []
  let stopListening: () => Promise<void>

  beforeAll(async () => {
    database = await openTestDatabase(databaseName)
    await migrateToLatest(database.db)
    stopListening = await database.listen(
      ACCESS_CHANNEL,
      (key) => heard.push(key),
      () => {},
    )
  })
  afterAll(async () => {
    await stopListening?.()
    await database?.close()
  })

  let serial = 0
  async function user(db: Executor = database.db): Promise<string> {
    serial++
    const row = await db
      .insertInto('users')
      .values({ email: `person-${serial}@example.com`, name: `Person ${serial}`, password_hash: 'x' })
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  }
  async function organization(): Promise<string> {
    serial++
    const row = await database.db
      .insertInto('organizations')
      .values({ handle: `org-${serial}`, name: `Org ${serial}`, created_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  }

  /** What one transaction announces (in the transaction, and then by NOTIFY). */
  async function announced(write: (db: Executor) => Promise<unknown>): Promise<AccessChange[]> {
    return database.db.transaction().execute(async (db) => {
      await write(db)
      return (await accessChangesOfTransaction(db)).accessChanges
    })
  }

  it('names the organization when a membership changes or goes, and the user when one is made', async () => {
    const [ada, org] = [await user(), await organization()]
    expect(
      await announced((db) =>
        db
          .insertInto('memberships')
          .values({ organization_id: org, user_id: ada, roles: ['member'], joined_at: new Date() })
          .execute(),
      ),
    ).toEqual([{ kind: 'user', id: ada }])
    expect(
      await announced((db) =>
        db
          .updateTable('memberships')
          .set({ roles: ['admin'] })
          .where('user_id', '=', ada)
          .execute(),
      ),
    ).toEqual([{ kind: 'organization', id: org }])
    expect(
      await announced((db) => db.deleteFrom('memberships').where('user_id', '=', ada).execute()),
    ).toEqual([{ kind: 'organization', id: org }])
  })

  it('names the user when a session or the user changes, and the organization when it changes', async () => {
    const ada = await user()
    const org = await organization()
    await database.db
      .insertInto('sessions')
      .values({
        token_hash: `hash-${ada}`,
        user_id: ada,
        created_at: new Date(),
        last_seen_at: new Date(),
        expires_at: new Date(Date.now() + 60_000),
      })
      .execute()
    expect(
      await announced((db) =>
        db.updateTable('sessions').set({ active_organization_id: org }).where('user_id', '=', ada).execute(),
      ),
    ).toEqual([{ kind: 'user', id: ada }])
    expect(await announced((db) => db.deleteFrom('sessions').where('user_id', '=', ada).execute())).toEqual([
      { kind: 'user', id: ada },
    ])
    expect(
      await announced((db) => db.updateTable('users').set({ name: 'Ada' }).where('id', '=', ada).execute()),
    ).toEqual([{ kind: 'user', id: ada }])
    expect(
      await announced((db) =>
        db.updateTable('organizations').set({ name: 'Renamed' }).where('id', '=', org).execute(),
      ),
    ).toEqual([{ kind: 'organization', id: org }])
    expect(await announced((db) => db.deleteFrom('organizations').where('id', '=', org).execute())).toEqual([
      { kind: 'organization', id: org },
    ])
  })

  it('announces each key once per transaction, and nothing for writes that touch no row or no access', async () => {
    const [ada, org] = [await user(), await organization()]
    expect(
      await announced(async (db) => {
        await db.updateTable('users').set({ name: 'One' }).where('id', '=', ada).execute()
        await db.updateTable('users').set({ name: 'Two' }).where('id', '=', ada).execute()
      }),
    ).toEqual([{ kind: 'user', id: ada }])
    expect(
      await announced((db) => db.updateTable('users').set({ name: 'x' }).where('id', '=', org).execute()),
    ).toEqual([])
    // Inserting a user or an organization changes nobody's access.
    expect(await announced((db) => user(db))).toEqual([])
  })

  /** An organization with an environment, an API, an application subscribed to it, and one key. */
  async function keyOfApplication() {
    const org = await organization()
    const now = new Date()
    const insert = async (table: 'environments' | 'apis' | 'applications', values: object) =>
      (
        await database.db
          .insertInto(table)
          .values({ organization_id: org, created_at: now, ...values } as never)
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id
    const environment = await insert('environments', { name: `env-${serial}` })
    const api = await insert('apis', {
      name: 'Weather',
      version: 'v1',
      base_path: '/weather',
      status: 'draft',
    })
    const application = await insert('applications', { name: 'App' })
    await database.db
      .insertInto('subscriptions')
      .values({ organization_id: org, application_id: application, api_id: api, created_at: now })
      .execute()
    const key = await database.db
      .insertInto('api_keys')
      .values({
        organization_id: org,
        application_id: application,
        environment_id: environment,
        name: 'Key',
        prefix: 'pk_test',
        last4: 'abcd',
        key_hash: `key-hash-${org}`,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return { org, environment, api, application, key: key.id }
  }

  it('names the organization whose keys verify differently: revoked, re-dated or deleted keys', async () => {
    const { org, key } = await keyOfApplication()
    const keys = [{ kind: 'keys', id: org }]
    const keyRow = (db: Executor) =>
      db.updateTable('api_keys').where('organization_id', '=', org).where('id', '=', key)
    expect(await announced((db) => keyRow(db).set({ revoked_at: new Date() }).execute())).toEqual(keys)
    expect(await announced((db) => keyRow(db).set({ expires_at: new Date() }).execute())).toEqual(keys)
    // Recording use changes no answer: nothing is announced, every minute, for every key.
    expect(await announced((db) => keyRow(db).set({ last_used_at: new Date() }).execute())).toEqual([])
    expect(await announced((db) => keyRow(db).set({ name: 'Renamed key' }).execute())).toEqual([])
    expect(
      await announced((db) => db.deleteFrom('api_keys').where('organization_id', '=', org).execute()),
    ).toEqual(keys)
  })

  it('names the organization when a subscription is made or ended, or an environment renamed', async () => {
    const { org, environment, api, application } = await keyOfApplication()
    const keys = [{ kind: 'keys', id: org }]
    expect(
      await announced((db) =>
        db.updateTable('environments').set({ name: 'staging-2' }).where('id', '=', environment).execute(),
      ),
    ).toEqual(keys)
    expect(
      await announced((db) => db.deleteFrom('subscriptions').where('organization_id', '=', org).execute()),
    ).toEqual(keys)
    expect(
      await announced((db) =>
        db
          .insertInto('subscriptions')
          .values({ organization_id: org, application_id: application, api_id: api, created_at: new Date() })
          .execute(),
      ),
    ).toEqual(keys)
  })

  it('names the organization’s keys when its application, or the organization itself, is deleted', async () => {
    const first = await keyOfApplication()
    expect(
      await announced((db) =>
        db.deleteFrom('applications').where('organization_id', '=', first.org).execute(),
      ),
    ).toEqual([{ kind: 'keys', id: first.org }])
    const second = await keyOfApplication()
    expect(
      new Set(await announced((db) => db.deleteFrom('organizations').where('id', '=', second.org).execute())),
    ).toEqual(
      new Set([
        { kind: 'organization', id: second.org },
        { kind: 'keys', id: second.org },
      ]),
    )
  })

  it('says "everything" for a statement touching more than 100 users, so bulk loads stay cheap', async () => {
    const org = await organization()
    const changes = await announced(async (db) => {
      await sql`insert into users (email, name, password_hash)
        select 'bulk-' || g || '@example.com', 'Bulk', 'x' from generate_series(1, 101) g`.execute(db)
      await sql`insert into memberships (organization_id, user_id, roles, joined_at)
        select ${org}::uuid, id, array['member'], now() from users where email like 'bulk-%'`.execute(db)
    })
    expect(changes).toEqual([{ kind: 'all' }])
  })

  it('delivers the keys to every listener once the transaction commits, and none from a rollback', async () => {
    const ada = await user()
    // Earlier tests' keys arrive with the next read of the announcements: wait for a marker first.
    const marker = await user()
    await database.db.updateTable('users').set({ name: 'Marker' }).where('id', '=', marker).execute()
    for (let waited = 0; !heard.includes(`user:${marker}`) && waited < 2_000; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const before = heard.length
    await database.db
      .transaction()
      .execute(async (db) => {
        await db.updateTable('users').set({ name: 'Rolled back' }).where('id', '=', ada).execute()
        throw new Error('roll back')
      })
      .catch(() => {})
    await database.db.updateTable('users').set({ name: 'Kept' }).where('id', '=', ada).execute()
    for (let waited = 0; !heard.slice(before).includes(`user:${ada}`) && waited < 2_000; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(heard.slice(before)).toEqual([`user:${ada}`])
  })
})
