// The pending-invitation cap under concurrency, on PostgreSQL (PGlite has one connection, so
// nothing races there). Inviting reads a tally instead of counting under the organization's lock
// while the organization is far below the cap (by more than max_connections), and serializes
// near it: however many invitations race, exactly PENDING_INVITATION_LIMIT are made.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { createOrganization, type Person } from '../helpers/organizations.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

describe.runIf(databases.includes('postgres'))('the pending-invitation cap under concurrency', () => {
  let portico: TestPortico
  let limit: number
  beforeAll(async () => {
    const probe = await startTestPortico('postgres')
    const { rows } = await sql<{ max: string }>`select current_setting('max_connections') as max`.execute(
      probe.database.db,
    )
    await probe.close()
    // Above max_connections, so the first invitations take the path that does not count.
    limit = Number(rows[0]?.max) + 20
    portico = await startTestPortico('postgres', {
      env: { RATE_LIMIT: 'off', PENDING_INVITATION_LIMIT: String(limit) },
    })
  })
  afterAll(async () => {
    await portico?.close()
  })

  it('makes exactly PENDING_INVITATION_LIMIT invitations when more race for the last places', async () => {
    const owner = (await signUp(portico.app)) as Person
    const org = await createOrganization(portico.app, owner, 'Racing Org')
    // 20 at a time (twice the pool): enough to race, not so many that requests time out waiting
    // for a connection while one organization's events commit one after another.
    const emails = Array.from({ length: limit + 30 }, (_, i) => `race-${i}@example.com`)
    const answers: { status: number }[] = []
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let email = emails.shift(); email !== undefined; email = emails.shift()) {
          answers.push(
            await call(portico.app, 'POST', `/v1/organizations/${org.id}/invitations`, {
              token: owner.token,
              body: { email, roles: ['member'] },
            }),
          )
        }
      }),
    )
    const statuses = answers.map((answer) => answer.status)
    expect(statuses.filter((status) => status === 201)).toHaveLength(limit)
    expect(statuses.filter((status) => status === 409)).toHaveLength(30)
    const { rows } = await sql<{ count: string }>`
      select count(*) from invitations where organization_id = ${org.id} and status = 'pending'`.execute(
      portico.database.db,
    )
    expect(Number(rows[0]?.count)).toBe(limit)
  })
})
