// A person's sessions (API.md "Identity"): their absolute lifetime, the list of them, and ending
// one, on this instance and on every other (PostgreSQL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { type Answer, call, PASSWORD, signUp, uniqueClientAddress } from '../helpers/http.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'
import { startTwoInstances, type TwoInstances } from '../helpers/two-instances.ts'

const DAY = 24 * 3600 * 1000
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0'
const CURL = 'curl/8.14.1'

describe.each(databases)('sessions on %s', (databaseName) => {
  let portico: TestPortico

  beforeAll(async () => {
    portico = await startTestPortico(databaseName)
  })
  afterAll(async () => {
    await portico?.close()
  })

  const app = () => portico.app
  const signIn = (email: string, userAgent?: string) =>
    call(app(), 'POST', '/v1/auth/sign-in', {
      body: { email, password: PASSWORD },
      headers: userAgent ? { 'user-agent': userAgent } : {},
      remoteAddress: uniqueClientAddress(),
    })

  it('ends a session 90 days after sign-in, however active', async () => {
    // guards: sessions that never end while used (the expiry slid forever)
    const { token, user } = await signUp(app())
    const signedInAt = portico.clock.now().getTime()
    for (let i = 0; i < 3; i++) {
      portico.clock.advance(29 * DAY)
      expect((await call(app(), 'GET', '/v1/me', { token })).status).toBe(200)
    }
    const stored = await portico.database.db
      .selectFrom('sessions')
      .select('expires_at')
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow()
    expect(stored.expires_at.toISOString()).toBe(new Date(signedInAt + 90 * DAY).toISOString())
    portico.clock.advance(3 * DAY - 1000)
    expect((await call(app(), 'GET', '/v1/me', { token })).status).toBe(200)
    portico.clock.advance(1000)
    const ended = await call(app(), 'GET', '/v1/me', { token })
    expect(ended.status).toBe(401)
    expect(ended.body.code).toBe('unauthenticated')
  })

  it('lists my live sessions, newest first, with the one I call with marked current', async () => {
    const { email, token: first } = await signUp(app())
    const firstAt = portico.clock.now()
    portico.clock.advance(60_000)
    const second = await signIn(email, FIREFOX)
    const secondAt = portico.clock.now()
    portico.clock.advance(60_000)
    await signIn(email, CURL)
    const thirdAt = portico.clock.now()
    await signUp(app()) // someone else's session is never listed (inject's own User-Agent for sign-up)

    const answer = await call(app(), 'GET', '/v1/me/sessions', { token: second.body.token })
    expect(answer.status).toBe(200)
    const session = (at: Date, userAgent: string | null, current: boolean) => ({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      createdAt: at.toISOString(),
      lastSeenAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + 30 * DAY).toISOString(),
      userAgent,
      current,
    })
    expect(answer.body).toEqual({
      items: [
        session(thirdAt, CURL, false),
        session(secondAt, FIREFOX, true),
        session(firstAt, 'lightMyRequest', false),
      ],
    })
    const fromFirst = await call(app(), 'GET', '/v1/me/sessions', { token: first })
    expect(fromFirst.body.items.map((item: { current: boolean }) => item.current)).toEqual([
      false,
      false,
      true,
    ])
  })

  it('ends another of my sessions at once: 204, its token stops working, mine goes on', async () => {
    const { email, token: mine } = await signUp(app())
    const other = await signIn(email, FIREFOX)
    const listed = await call(app(), 'GET', '/v1/me/sessions', { token: mine })
    const otherId = listed.body.items.find((item: { current: boolean }) => !item.current).id
    expect((await call(app(), 'GET', '/v1/me', { token: other.body.token })).status).toBe(200)

    const ended = await call(app(), 'DELETE', `/v1/me/sessions/${otherId}`, { token: mine })
    expect(ended.status).toBe(204)
    expect(ended.text).toBe('')
    expect((await call(app(), 'GET', '/v1/me', { token: other.body.token })).status).toBe(401)
    expect((await call(app(), 'GET', '/v1/me', { token: mine })).status).toBe(200)
    const after = await call(app(), 'GET', '/v1/me/sessions', { token: mine })
    expect(after.body.items).toHaveLength(1)
    expect(after.body.items[0].current).toBe(true)
    expect((await call(app(), 'DELETE', `/v1/me/sessions/${otherId}`, { token: mine })).status).toBe(404)
  })

  it('ends my current session too, and clears its cookie', async () => {
    const { token } = await signUp(app())
    const [current] = (await call(app(), 'GET', '/v1/me/sessions', { token })).body.items
    const ended = await call(app(), 'DELETE', `/v1/me/sessions/${current.id}`, { token })
    expect(ended.status).toBe(204)
    expect(String(ended.headers['set-cookie'])).toMatch(/^portico_session=; Max-Age=0/)
    expect((await call(app(), 'GET', '/v1/me', { token })).status).toBe(401)
  })

  it("answers 404 for another user's session and changes nothing", async () => {
    // guards: ending another user's session by its id (cross-account access)
    const victim = await signUp(app())
    const attacker = await signUp(app())
    const [victimSession] = (await call(app(), 'GET', '/v1/me/sessions', { token: victim.token })).body.items
    const answer = await call(app(), 'DELETE', `/v1/me/sessions/${victimSession.id}`, {
      token: attacker.token,
    })
    expect(answer.status).toBe(404)
    expect(answer.body).toEqual({
      type: 'urn:portico:problem:not_found',
      title: 'Not Found',
      status: 404,
      detail: 'no such session',
      code: 'not_found',
    })
    expect((await call(app(), 'GET', '/v1/me', { token: victim.token })).status).toBe(200)
    const unknown = await call(app(), 'DELETE', '/v1/me/sessions/00000000-0000-4000-8000-000000000000', {
      token: attacker.token,
    })
    expect(unknown.status).toBe(404)
  })

  it('answers 400 for a session id that is no UUID, and 401 without a session', async () => {
    const { token } = await signUp(app())
    const malformed = await call(app(), 'DELETE', '/v1/me/sessions/not-a-uuid', { token })
    expect(malformed.status).toBe(400)
    expect(malformed.body.code).toBe('validation_failed')
    expect((await call(app(), 'GET', '/v1/me/sessions')).status).toBe(401)
    expect((await call(app(), 'DELETE', '/v1/me/sessions/00000000-0000-4000-8000-000000000000')).status).toBe(
      401,
    )
  })
})

describe.runIf(databases.includes('postgres'))('ending a session across instances on PostgreSQL', () => {
  let instances: TwoInstances
  beforeAll(async () => {
    instances = await startTwoInstances()
  })
  afterAll(async () => {
    await instances?.close()
  })

  it('stops the ended session on the other instance, which had it cached', async () => {
    // guards: a session ended on one instance still accepted from another instance's cache
    const { a, b } = instances
    const { email, token: mine } = await signUp(a.app)
    const other = await call(a.app, 'POST', '/v1/auth/sign-in', { body: { email, password: PASSWORD } })
    const onB = () => call(b.app, 'GET', '/v1/me', { token: other.body.token })
    expect((await onB()).status).toBe(200)
    expect((await onB()).status).toBe(200) // answered from b's session cache now
    const otherId = (await call(a.app, 'GET', '/v1/me/sessions', { token: mine })).body.items.find(
      (item: { current: boolean }) => !item.current,
    ).id
    expect((await call(a.app, 'DELETE', `/v1/me/sessions/${otherId}`, { token: mine })).status).toBe(204)
    let answer: Answer = await onB()
    for (let i = 0; i < 500 && answer.status !== 401; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
      answer = await onB()
    }
    expect(answer.status).toBe(401)
    expect((await call(b.app, 'GET', '/v1/me', { token: mine })).status).toBe(200)
  })
})
