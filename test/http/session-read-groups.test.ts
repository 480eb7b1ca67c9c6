// First requests of many sessions at once read them together (services/call-groups.ts), on PGlite
// and PostgreSQL: each caller is answered as themselves, a session that is not live is refused
// alone, and the metrics say the reads ran in groups (checked on PostgreSQL: PGlite's one
// connection lets fewer calls meet).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { groupedCalls } from '../helpers/call-groups.ts'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

describe.each(databases)('first session reads at once on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName)
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app

  it('answers 30 first requests at once, each as its own caller; a signed-out session among them gets 401', async () => {
    const people = await Promise.all(
      Array.from({ length: 30 }, (_, n) => signUp(app(), { name: `Caller ${n}` })),
    )
    const signedOut = await signUp(app(), { name: 'Signed Out' })
    expect((await call(app(), 'POST', '/v1/auth/sign-out', { token: signedOut.token })).status).toBe(204)
    portico.sessionCache.clear()
    const before = await groupedCalls(app(), 'session.read')
    const answers = await Promise.all(
      [...people, signedOut].map((person) => call(app(), 'GET', '/v1/me', { token: person.token })),
    )
    expect(answers.map((answer) => [answer.status, answer.body?.user?.email ?? null])).toEqual([
      ...people.map((person) => [200, person.email]),
      [401, null],
    ])
    const after = await groupedCalls(app(), 'session.read')
    expect(after.together + after.alone - before.together - before.alone).toBe(31)
    if (databaseName === 'postgres') expect(after.together - before.together).toBeGreaterThan(0)
  })
})
