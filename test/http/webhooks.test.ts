// Black-box tests of API.md "Webhooks" on PGlite and PostgreSQL, with real HTTP receivers on
// loopback and signatures checked by the standardwebhooks package: endpoints, filters, the test
// event, retries on the schedule, redirects, a hanging receiver, manual retry, rotation, disabling
// with a mail to the owners, SSRF refusals at creation and at delivery, and who may do what.
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher.ts'
import { addMember, createOrganization, type Person } from '../helpers/organizations.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'
import { eventually, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts'

const signedBy = (secret: string, request: { body: string; headers: Record<string, unknown> }) =>
  new StandardWebhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  })

describe.each(databases)('webhooks on %s', (databaseName) => {
  let portico: TestPortico
  let receiver: WebhookReceiver
  let mail: MailCatcher
  beforeAll(async () => {
    receiver = await startWebhookReceiver()
    mail = await startMailCatcher()
    portico = await startTestPortico(databaseName, {
      mail,
      env: {
        ORG_CREATION_LIMIT: '0',
        WEBHOOK_ALLOW_PRIVATE: 'on',
        WEBHOOK_RETRY_SCHEDULE: '5s,1m',
        WEBHOOK_DISABLE_AFTER: '10m',
      },
    })
  }, 180_000)
  afterEach(() => receiver.release())
  afterAll(async () => {
    await portico?.close()
    await receiver?.close()
    await mail?.close()
  })
  const app = () => portico.app

  async function owned(name = 'Hooks Org') {
    const owner = (await signUp(app(), { name: 'Olive Owner' })) as Person
    const org = await createOrganization(app(), owner, name)
    return { owner, org, base: `/v1/organizations/${org.id}/webhooks` }
  }

  async function endpoint(
    who: { owner: Person; base: string },
    path: string,
    events: string[] = ['*'],
  ): Promise<{ id: string; secret: string; url: string }> {
    const created = await call(app(), 'POST', who.base, {
      token: who.owner.token,
      body: { url: `${receiver.url}${path}`, events },
    })
    if (created.status !== 201) throw new Error(`webhook not created: ${created.status} ${created.text}`)
    return created.body
  }

  const deliveries = async (who: { owner: Person; base: string }, id: string, query = '') => {
    const answer = await call(app(), 'GET', `${who.base}/${id}/deliveries${query}`, {
      token: who.owner.token,
    })
    expect(answer.status).toBe(200)
    // biome-ignore lint/suspicious/noExplicitAny: deliveries are asserted field by field
    return answer.body.items as any[]
  }

  it('creates an endpoint and shows its secret once, never to be read again', async () => {
    const who = await owned()
    const created = await call(app(), 'POST', who.base, {
      token: who.owner.token,
      body: {
        url: `${receiver.url}/created`,
        events: ['member.*', 'organization.created'],
        description: 'CRM',
      },
    })
    expect(created.status).toBe(201)
    expect(created.headers['cache-control']).toBe('no-store')
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: `${receiver.url}/created`,
      events: ['member.*', 'organization.created'],
      description: 'CRM',
      enabled: true,
      disabledReason: null,
      createdAt: portico.clock.now().toISOString(),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    })
    const { secret, ...webhook } = created.body
    const read = await call(app(), 'GET', `${who.base}/${webhook.id}`, { token: who.owner.token })
    expect(read.status).toBe(200)
    expect(read.body).toEqual(webhook)
    const list = await call(app(), 'GET', who.base, { token: who.owner.token })
    expect(list.body).toEqual({ items: [webhook], nextCursor: null })
    expect(JSON.stringify(list.body)).not.toContain(secret)
  })

  it('delivers a signed test event to that endpoint only, verified by the standardwebhooks package', async () => {
    const who = await owned()
    const other = await endpoint(who, '/signed-other', ['member.*'])
    const hook = await endpoint(who, '/signed', ['member.*'])
    const sent = await call(app(), 'POST', `${who.base}/${hook.id}/test`, { token: who.owner.token })
    expect(sent.status).toBe(202)
    const request = await receiver.next('/signed')
    expect(signedBy(hook.secret, request)).toEqual(request.json)
    expect(request.headers['content-type']).toBe('application/json')
    expect(request.headers['webhook-id']).toBe(request.json.id)
    expect(request.headers['webhook-timestamp']).toBe(
      String(Math.floor(portico.clock.now().getTime() / 1000)),
    )
    expect(request.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'webhook.test',
      timestamp: portico.clock.now().toISOString(),
      organizationId: who.org.id,
      data: { webhookId: hook.id, url: hook.url },
    })
    expect(() => signedBy(other.secret, request)).toThrow()
    const [delivery] = await eventually(
      () => deliveries(who, hook.id),
      (items) => items[0]?.status === 'succeeded',
    )
    expect(delivery).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      eventId: request.json.id,
      type: 'webhook.test',
      status: 'succeeded',
      attempts: 1,
      lastStatusCode: 204,
      lastError: null,
      nextAttemptAt: null,
      createdAt: portico.clock.now().toISOString(),
      completedAt: portico.clock.now().toISOString(),
    })
    expect(await deliveries(who, other.id)).toEqual([])
  })

  it('signs every delivery after a rotation with the new secret', async () => {
    const who = await owned()
    const hook = await endpoint(who, '/rotated', ['webhook.test'])
    const rotated = await call(app(), 'POST', `${who.base}/${hook.id}/rotate-secret`, {
      token: who.owner.token,
    })
    expect(rotated.status).toBe(200)
    expect(rotated.headers['cache-control']).toBe('no-store')
    expect(rotated.body.secret).toMatch(/^whsec_/)
    expect(rotated.body.secret).not.toBe(hook.secret)
    expect(rotated.body.id).toBe(hook.id)
    await call(app(), 'POST', `${who.base}/${hook.id}/test`, { token: who.owner.token })
    const request = await receiver.next('/rotated')
    expect(signedBy(rotated.body.secret, request)).toEqual(request.json)
    expect(() => signedBy(hook.secret, request)).toThrow()
  })

  it("queues each recorded event for the organization's enabled endpoints whose filters take it", async () => {
    const who = await owned()
    const webhooks = await endpoint(who, '/filter-webhooks', ['webhook.*'])
    const exact = await endpoint(who, '/filter-exact', ['webhook.deleted'])
    const members = await endpoint(who, '/filter-members', ['member.*'])
    const disabled = await endpoint(who, '/filter-disabled', ['*'])
    await call(app(), 'PATCH', `${who.base}/${disabled.id}`, {
      token: who.owner.token,
      body: { enabled: false },
    })
    const elsewhere = await owned('Elsewhere')
    const foreign = await endpoint(elsewhere, '/filter-foreign', ['*'])

    const added = await endpoint(who, '/filter-added', ['organization.*'])
    const created = await receiver.next('/filter-webhooks', (r) => r.json.data.url === added.url)
    expect(created.json).toMatchObject({
      type: 'webhook.created',
      organizationId: who.org.id,
      data: { url: added.url, events: ['organization.*'], description: '', enabled: true },
    })
    expect(JSON.stringify(created.json)).not.toContain(added.secret)
    await call(app(), 'DELETE', `${who.base}/${added.id}`, { token: who.owner.token })
    const deleted = await receiver.next('/filter-exact')
    expect(deleted.json).toMatchObject({ type: 'webhook.deleted', data: { url: added.url } })
    const delivered = await eventually(
      () => deliveries(who, webhooks.id),
      (items) => items.length === 7 && items.every((d) => d.status === 'succeeded'),
    )
    // Its own creation, the four endpoints after it, the change, the deletion.
    expect(delivered.map((d) => d.type).sort()).toEqual([
      'webhook.created',
      'webhook.created',
      'webhook.created',
      'webhook.created',
      'webhook.created',
      'webhook.deleted',
      'webhook.updated',
    ])
    expect((await deliveries(who, exact.id)).map((d) => d.type)).toEqual(['webhook.deleted'])
    expect(await deliveries(who, members.id)).toEqual([])
    // Its own creation only: nothing once it was disabled.
    expect((await deliveries(who, disabled.id)).map((d) => d.type)).toEqual(['webhook.created'])
    expect((await deliveries(elsewhere, foreign.id)).map((d) => d.type)).toEqual(['webhook.created'])
  })

  it('retries a failed attempt after each delay of the schedule, then fails; a manual retry makes one more attempt with the same webhook-id', async () => {
    const who = await owned()
    receiver.answer('/flaky', { status: 500 })
    const hook = await endpoint(who, '/flaky', ['webhook.test'])
    await call(app(), 'POST', `${who.base}/${hook.id}/test`, { token: who.owner.token })
    const first = await receiver.next('/flaky')
    const afterOne = await eventually(
      () => deliveries(who, hook.id),
      (items) => items[0]?.attempts === 1 && items[0]?.lastStatusCode === 500,
    )
    const start = portico.clock.now().getTime()
    expect(afterOne[0]).toMatchObject({
      status: 'pending',
      lastError: 'the receiver answered 500',
      nextAttemptAt: new Date(start + 5_000).toISOString(),
      completedAt: null,
    })
    portico.clock.advance(5_000)
    portico.dispatcher.wake()
    const second = await receiver.next('/flaky')
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id'])
    await eventually(
      () => deliveries(who, hook.id),
      (items) =>
        items[0]?.attempts === 2 && items[0]?.nextAttemptAt === new Date(start + 65_000).toISOString(),
    )
    portico.clock.advance(60_000)
    portico.dispatcher.wake()
    await receiver.next('/flaky')
    const failed = await eventually(
      () => deliveries(who, hook.id, '?status=failed'),
      (items) => items.length === 1,
    )
    expect(failed[0]).toMatchObject({
      status: 'failed',
      attempts: 3,
      nextAttemptAt: null,
      lastStatusCode: 500,
    })
    expect(failed[0].completedAt).toBe(portico.clock.now().toISOString())
    expect(await deliveries(who, hook.id, '?status=pending')).toEqual([])
    // Nothing more happens on its own.
    portico.clock.advance(3_600_000)
    portico.dispatcher.wake()
    await portico.dispatcher.runDue()
    expect(receiver.received.filter((r) => r.path === '/flaky')).toHaveLength(3)

    receiver.answer('/flaky', { status: 200 })
    const retried = await call(app(), 'POST', `${who.base}/${hook.id}/deliveries/${failed[0].id}/retry`, {
      token: who.owner.token,
    })
    expect(retried.status).toBe(202)
    const fourth = await receiver.next('/flaky')
    expect(fourth.headers['webhook-id']).toBe(first.headers['webhook-id'])
    expect(fourth.body).toBe(first.body)
    const done = await eventually(
      () => deliveries(who, hook.id),
      (items) => items[0]?.status === 'succeeded',
    )
    expect(done[0]).toMatchObject({ attempts: 4, lastStatusCode: 200, lastError: null, nextAttemptAt: null })
  })

  // guards: open redirect to an internal address (a redirect would bypass the destination check)
  it('never follows a redirect and counts it as a failure', async () => {
    const who = await owned()
    receiver.answer('/moved', { status: 302, location: `${receiver.url}/redirect-target` })
    const hook = await endpoint(who, '/moved')
    await call(app(), 'POST', `${who.base}/${hook.id}/test`, { token: who.owner.token })
    await receiver.next('/moved')
    const [delivery] = await eventually(
      () => deliveries(who, hook.id),
      (items) => items[0]?.lastStatusCode === 302,
    )
    expect(delivery).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'the receiver answered 302; redirects are not followed',
    })
    expect(receiver.received.filter((r) => r.path === '/redirect-target')).toEqual([])
  })

  it('lets a hanging receiver delay neither the request that caused the event nor other receivers', async () => {
    const who = await owned()
    receiver.answer('/hangs', 'hang')
    const hangs = await endpoint(who, '/hangs', ['webhook.created'])
    await endpoint(who, '/prompt', ['webhook.created'])
    // The delivery of its own creation is held by /hangs from here on.
    await receiver.next('/hangs')
    const answered = await call(app(), 'POST', who.base, {
      token: who.owner.token,
      body: { url: `${receiver.url}/third`, events: ['member.*'] },
    })
    expect(answered.status).toBe(201)
    const prompt = await receiver.next('/prompt', (r) => r.json.data.url === `${receiver.url}/third`)
    expect(prompt.json.type).toBe('webhook.created')
    // /hangs has not answered any of its deliveries: nothing waited for it.
    const held = await deliveries(who, hangs.id)
    expect(held.length).toBeGreaterThanOrEqual(1)
    for (const delivery of held)
      expect(delivery).toMatchObject({ status: 'pending', lastStatusCode: null, lastError: null })
  })

  it('disables an endpoint whose deliveries all failed for WEBHOOK_DISABLE_AFTER and mails the owners; enabling clears the reason', async () => {
    const who = await owned('Dead Receiver Co')
    receiver.answer('/dead', { status: 503 })
    const hook = await endpoint(who, '/dead', ['webhook.test'])
    await call(app(), 'POST', `${who.base}/${hook.id}/test`, { token: who.owner.token })
    await receiver.next('/dead')
    await eventually(
      () => deliveries(who, hook.id),
      (items) => items[0]?.lastStatusCode === 503,
    )
    portico.clock.advance(11 * 60_000)
    await call(app(), 'POST', `${who.base}/${hook.id}/test`, { token: who.owner.token })
    await receiver.next('/dead')
    const disabled = await eventually(
      async () => (await call(app(), 'GET', `${who.base}/${hook.id}`, { token: who.owner.token })).body,
      (webhook) => webhook.enabled === false,
    )
    expect(disabled.disabledReason).toMatch(
      /^every delivery failed for 10 minutes \(since .+\); last error: the receiver answered 503$/,
    )
    const items = await deliveries(who, hook.id)
    expect(items.map((d) => d.status)).toEqual(['failed', 'failed'])
    expect(items[1].lastError).toBe('the endpoint was disabled')
    let mailed = await mail.next(who.owner.email)
    while (mailed.subject.startsWith('Verify')) mailed = await mail.next(who.owner.email)
    expect(mailed.subject).toBe('A webhook of Dead Receiver Co was disabled')
    expect(mailed.text).toContain(hook.url)

    const test = await call(app(), 'POST', `${who.base}/${hook.id}/test`, { token: who.owner.token })
    expect(test.status).toBe(409)
    expect(test.body.code).toBe('conflict')
    const enabled = await call(app(), 'PATCH', `${who.base}/${hook.id}`, {
      token: who.owner.token,
      body: { enabled: true },
    })
    expect(enabled.status).toBe(200)
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null })
  })

  it('refuses malformed endpoints', async () => {
    const who = await owned()
    const post = (body: unknown) => call(app(), 'POST', who.base, { token: who.owner.token, body })
    const cases: [unknown, string][] = [
      [{ url: 'ftp://example.com/', events: ['*'] }, '/url'],
      [{ url: 'not a url', events: ['*'] }, '/url'],
      [{ url: `${receiver.url}/x`, events: ['member.joined'] }, '/events/0'],
      [{ url: `${receiver.url}/x`, events: ['*', 'nothing.*'] }, '/events/1'],
      [{ url: `${receiver.url}/x`, events: [] }, '/events'],
      [{ url: `${receiver.url}/x`, events: ['*'], secret: 'mine' }, ''],
    ]
    for (const [body, path] of cases) {
      const answer = await post(body)
      expect(answer.status, JSON.stringify(body)).toBe(400)
      expect(answer.body.code).toBe('validation_failed')
      if (path) expect(answer.body.errors.map((e: { path: string }) => e.path)).toContain(path)
    }
    const missing = '00000000-0000-4000-8000-000000000000'
    expect((await call(app(), 'GET', `${who.base}/${missing}`, { token: who.owner.token })).status).toBe(404)
    expect(
      (
        await call(app(), 'PATCH', `${who.base}/${missing}`, {
          token: who.owner.token,
          body: { enabled: false },
        })
      ).status,
    ).toBe(404)
  })

  // guards: deadlock between deleting an endpoint and recording its delivery's outcome (seen as a 500)
  it('deletes an endpoint with its deliveries', async () => {
    const who = await owned()
    const hook = await endpoint(who, '/deleted', ['webhook.test'])
    await call(app(), 'POST', `${who.base}/${hook.id}/test`, { token: who.owner.token })
    await receiver.next('/deleted')
    const removed = await call(app(), 'DELETE', `${who.base}/${hook.id}`, { token: who.owner.token })
    expect(removed.status).toBe(204)
    expect((await call(app(), 'GET', `${who.base}/${hook.id}`, { token: who.owner.token })).status).toBe(404)
    expect(
      (await call(app(), 'GET', `${who.base}/${hook.id}/deliveries`, { token: who.owner.token })).status,
    ).toBe(404)
    const left = await portico.database.db
      .selectFrom('jobs')
      .select('id')
      .where('subject_id', '=', hook.id)
      .execute()
    expect(left).toEqual([])
  })

  describe('who may', () => {
    // guards: cross-organization access to another tenant's endpoints and deliveries
    it('keeps endpoints and deliveries within their organization', async () => {
      const mine = await owned()
      const theirs = await owned('Theirs')
      const hook = await endpoint(theirs, '/theirs', ['webhook.test'])
      await call(app(), 'POST', `${theirs.base}/${hook.id}/test`, { token: theirs.owner.token })
      const [delivery] = await eventually(
        () => deliveries(theirs, hook.id),
        (items) => items[0]?.status === 'succeeded',
      )
      const asMine = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) =>
        call(app(), method, `${mine.base}/${hook.id}${path}`, { token: mine.owner.token, body })
      for (const answer of [
        await asMine('GET', ''),
        await asMine('PATCH', '', { enabled: false }),
        await asMine('DELETE', ''),
        await asMine('POST', '/rotate-secret'),
        await asMine('POST', '/test'),
        await asMine('GET', '/deliveries'),
        await asMine('POST', `/deliveries/${delivery.id}/retry`),
      ]) {
        expect(answer.status).toBe(404)
      }
      // A non-member of theirs gets the 404 of a missing organization.
      const outsider = await call(app(), 'GET', theirs.base, { token: mine.owner.token })
      expect(outsider.status).toBe(404)
      // A delivery of another endpoint of the same organization is not found under this one.
      const second = await endpoint(theirs, '/theirs-2')
      const crossed = await call(
        app(),
        'POST',
        `${theirs.base}/${second.id}/deliveries/${delivery.id}/retry`,
        {
          token: theirs.owner.token,
        },
      )
      expect(crossed.status).toBe(404)
    })

    it('needs webhook:read to read and webhook:manage to change', async () => {
      const who = await owned()
      const hook = await endpoint(who, '/perm')
      const member = await addMember(portico, who.org.id, ['member'])
      const admin = await addMember(portico, who.org.id, ['admin'])
      const read = await call(app(), 'GET', who.base, { token: member.token })
      expect(read.status).toBe(403)
      expect(read.body).toMatchObject({ code: 'forbidden', permission: 'webhook:read' })
      const create = await call(app(), 'POST', who.base, {
        token: member.token,
        body: { url: `${receiver.url}/x`, events: ['*'] },
      })
      expect(create.body).toMatchObject({ code: 'forbidden', permission: 'webhook:manage' })
      expect((await call(app(), 'GET', `${who.base}/${hook.id}`, { token: admin.token })).status).toBe(200)
      expect((await call(app(), 'POST', `${who.base}/${hook.id}/test`, { token: admin.token })).status).toBe(
        202,
      )
      expect((await call(app(), 'DELETE', `${who.base}/${hook.id}`, { token: member.token })).status).toBe(
        403,
      )
    })
  })
})

describe.each(databases)('webhook destinations on %s', (databaseName) => {
  let portico: TestPortico
  let receiver: WebhookReceiver
  beforeAll(async () => {
    receiver = await startWebhookReceiver()
    portico = await startTestPortico(databaseName, { env: { ORG_CREATION_LIMIT: '0' } })
  }, 180_000)
  afterAll(async () => {
    await portico?.close()
    await receiver?.close()
  })

  // guards: SSRF to loopback, private and metadata addresses, in every spelling
  it.each([
    'http://127.0.0.1:9/hook',
    'http://localhost/hook',
    'http://[::1]/hook',
    'http://2130706433/hook',
    'http://0177.0.0.1/hook',
    'http://0x7f.1/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://10.0.0.1/',
    'http://192.168.1.10/',
    'http://[::ffff:127.0.0.1]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[fd00::1]/',
    'http://0.0.0.0/',
    'https://nowhere.invalid/',
  ])('refuses %s with destination_not_allowed', async (url) => {
    const owner = (await signUp(portico.app)) as Person
    const org = await createOrganization(portico.app, owner, 'SSRF Co')
    const answer = await call(portico.app, 'POST', `/v1/organizations/${org.id}/webhooks`, {
      token: owner.token,
      body: { url, events: ['*'] },
    })
    expect(answer.status).toBe(400)
    expect(answer.body.code).toBe('destination_not_allowed')
  })

  // guards: DNS rebinding (a name checked once at creation, then pointing inside)
  it('checks the address again at every delivery, and fails the attempt with that reason', async () => {
    const owner = (await signUp(portico.app)) as Person
    const org = await createOrganization(portico.app, owner, 'Rebind Co')
    // As if the name had resolved to a public address at creation and to loopback now.
    const row = await portico.database.db
      .insertInto('webhooks')
      .values({
        organization_id: org.id,
        url: `http://localhost:${receiver.port}/rebound`,
        events: ['*'],
        description: '',
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        created_at: portico.clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const base = `/v1/organizations/${org.id}/webhooks/${row.id}`
    expect((await call(portico.app, 'POST', `${base}/test`, { token: owner.token })).status).toBe(202)
    const [delivery] = await eventually(
      async () => (await call(portico.app, 'GET', `${base}/deliveries`, { token: owner.token })).body.items,
      (items) => items[0]?.lastError != null,
    )
    expect(delivery.attempts).toBe(1)
    expect(delivery.lastError).toMatch(
      /^destination_not_allowed: localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/,
    )
    expect(delivery.lastStatusCode).toBeNull()
    expect(receiver.received).toEqual([])
  })
})
