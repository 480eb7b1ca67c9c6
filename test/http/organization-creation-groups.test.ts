// Concurrent creations are written together (group commit, services/call-groups.ts), on PGlite
// and PostgreSQL: each is answered as if written alone, a taken handle and the creation limit are
// decided per creation, and the metrics say how many were written in groups. PGlite has one
// connection, so a request's session lookup waits for the transaction before it and fewer calls
// meet in a group there; that groups were written is checked on PostgreSQL.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { groupedCalls } from '../helpers/call-groups.ts'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { eventTypes } from '../helpers/organizations.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

describe.each(databases)('concurrent organization creation on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, { env: { ORG_CREATION_LIMIT: '0' } })
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app

  it('writes 30 concurrent creations in groups, each with its owner, environments, events and active organization', async () => {
    const people = await Promise.all(
      Array.from({ length: 30 }, (_, n) => signUp(app(), { name: `Creator ${n}` })),
    )
    const before = await groupedCalls(portico.app, 'organization.create')
    const answers = await Promise.all(
      people.map((person, n) =>
        call(app(), 'POST', '/v1/organizations', { token: person.token, body: { name: `Grouped ${n}` } }),
      ),
    )
    expect(answers.map((answer) => answer.status)).toEqual(people.map(() => 201))
    const after = await groupedCalls(portico.app, 'organization.create')
    if (databaseName === 'postgres') expect(after.together - before.together).toBeGreaterThan(0)
    expect(after.together - before.together + after.alone - before.alone).toBe(30)
    for (const [n, answer] of answers.entries()) {
      expect(answer.body).toMatchObject({ name: `Grouped ${n}`, handle: `grouped-${n}`, roles: ['owner'] })
      const me = await call(app(), 'GET', '/v1/me', { token: people[n]?.token })
      expect(me.body.activeOrganizationId).toBe(answer.body.id)
      expect(me.body.organizations.map((organization: { id: string }) => organization.id)).toEqual([
        answer.body.id,
      ])
      expect(await eventTypes(portico.database.db, answer.body.id)).toEqual([
        'organization.created',
        'member.added',
      ])
      const environments = await call(app(), 'GET', `/v1/organizations/${answer.body.id}/environments`, {
        token: people[n]?.token,
      })
      expect(environments.body.items.map((environment: { name: string }) => environment.name)).toEqual([
        'development',
        'production',
      ])
    }
  })

  it('gives a handle chosen by 12 concurrent creations to exactly one; the rest are refused 409 handle_taken', async () => {
    const people = await Promise.all(Array.from({ length: 12 }, () => signUp(app())))
    const answers = await Promise.all(
      people.map((person) =>
        call(app(), 'POST', '/v1/organizations', {
          token: person.token,
          body: { name: 'Contested', handle: 'contested-handle' },
        }),
      ),
    )
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1)
    const refused = answers.filter((answer) => answer.status !== 201)
    expect(refused.map((answer) => [answer.status, answer.body.code])).toEqual(
      refused.map(() => [409, 'handle_taken']),
    )
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from organizations where handle = 'contested-handle'`.execute(
      portico.database.db,
    )
    expect(rows).toEqual([{ n: 1 }])
    // the refused wrote nothing: no organization, no membership, no active organization
    for (const [n, answer] of answers.entries()) {
      if (answer.status === 201) continue
      const me = await call(app(), 'GET', '/v1/me', { token: people[n]?.token })
      expect([me.body.activeOrganizationId, me.body.organizations]).toEqual([null, []])
    }
  })

  it('derives 12 different handles for 12 concurrent creations of the same name', async () => {
    const people = await Promise.all(Array.from({ length: 12 }, () => signUp(app())))
    const answers = await Promise.all(
      people.map((person) =>
        call(app(), 'POST', '/v1/organizations', { token: person.token, body: { name: 'Same Name Labs' } }),
      ),
    )
    expect(answers.map((answer) => answer.status)).toEqual(people.map(() => 201))
    const handles = answers.map((answer) => answer.body.handle as string)
    expect(new Set(handles).size).toBe(12)
    expect(handles).toContain('same-name-labs')
    for (const handle of handles) expect(handle).toMatch(/^same-name-labs(-[0-9a-f]{4})?$/)
  })

  it('holds ORG_CREATION_LIMIT under 10 concurrent creations by one user: exactly the limit are made', async () => {
    const limited = await startTestPortico(databaseName, { env: { ORG_CREATION_LIMIT: '3' } })
    try {
      const owner = await signUp(limited.app)
      const others = await Promise.all(Array.from({ length: 5 }, () => signUp(limited.app)))
      const answers = await Promise.all([
        ...Array.from({ length: 10 }, (_, n) =>
          call(limited.app, 'POST', '/v1/organizations', { token: owner.token, body: { name: `Mine ${n}` } }),
        ),
        // others in the same groups, each within their own limit
        ...others.map((other, n) =>
          call(limited.app, 'POST', '/v1/organizations', {
            token: other.token,
            body: { name: `Theirs ${n}` },
          }),
        ),
      ])
      const mine = answers.slice(0, 10)
      expect(mine.filter((answer) => answer.status === 201)).toHaveLength(3)
      const refused = mine.filter((answer) => answer.status !== 201)
      expect(refused.map((answer) => [answer.status, answer.body.code])).toEqual(
        refused.map(() => [403, 'organization_limit_reached']),
      )
      expect(answers.slice(10).map((answer) => answer.status)).toEqual(others.map(() => 201))
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from organizations where created_by = ${owner.user.id}`.execute(
        limited.database.db,
      )
      expect(rows).toEqual([{ n: 3 }])
      if (databaseName === 'postgres')
        expect((await groupedCalls(limited.app, 'organization.create')).together).toBeGreaterThan(0)
    } finally {
      await limited.close()
    }
  })
})
