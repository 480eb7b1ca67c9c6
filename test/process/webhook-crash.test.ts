// Crash safety of webhook deliveries with real processes on PostgreSQL (they start in seconds
// where PGlite needs a minute on a loaded machine): a delivery is in flight (the receiver holds the
// request) when the process dies (SIGKILL); the next process delivers it, once its lease has run
// out, with the same webhook-id.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { databases, openTestDatabase } from '../helpers/databases.ts'
import { freePort, type ServerProcess, spawnServer, waitUntilReady } from '../helpers/server-process.ts'
import { eventually, startWebhookReceiver } from '../helpers/webhook-receiver.ts'

const running: ServerProcess[] = []
const dir = mkdtempSync(join(tmpdir(), 'portico-webhook-crash-'))
afterAll(() => {
  for (const server of running) server.child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

async function send(base: string, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any }
}

describe.runIf(databases.includes('postgres'))('a webhook delivery across a crash', () => {
  it('is delivered by the next process when the first died in the middle of it', {
    timeout: 420_000,
  }, async () => {
    const receiver = await startWebhookReceiver()
    const database = await openTestDatabase('postgres')
    try {
      receiver.answer('/crash', 'hang')
      const env = { DATA_DIR: dir, DATABASE_URL: database.url ?? '', WEBHOOK_ALLOW_PRIVATE: 'on' }
      const first = spawnServer({ ...env, PORT: String(await freePort()) })
      running.push(first)
      await waitUntilReady(first, 150_000)
      const owner = await send(first.url, 'POST', '/v1/auth/sign-up', undefined, {
        email: 'owner@webhook-crash.test',
        password: 'crash password',
        name: 'Owner',
      })
      const token = owner.body.token
      const org = await send(first.url, 'POST', '/v1/organizations', token, { name: 'Crash Hooks' })
      const base = `/v1/organizations/${org.body.id}/webhooks`
      const hook = await send(first.url, 'POST', base, token, {
        url: `${receiver.url}/crash`,
        events: ['webhook.test'],
      })
      expect(hook.status).toBe(201)
      expect((await send(first.url, 'POST', `${base}/${hook.body.id}/test`, token)).status).toBe(202)
      const held = await receiver.next('/crash')
      first.child.kill('SIGKILL')
      await first.exited

      receiver.answer('/crash', { status: 204 })
      const second = spawnServer({ ...env, PORT: String(await freePort()) })
      running.push(second)
      await waitUntilReady(second, 150_000)
      // After the 30 s lease of the dead process runs out.
      const delivered = await receiver.next('/crash', () => true, 60_000)
      expect(delivered.headers['webhook-id']).toBe(held.headers['webhook-id'])
      expect(delivered.body).toBe(held.body)
      // The receiver has answered; the server records the outcome just after.
      const deliveries = await eventually(
        () => send(second.url, 'GET', `${base}/${hook.body.id}/deliveries`, token),
        (answer) => answer.body.items?.[0]?.status !== 'pending',
        30_000,
      )
      expect(deliveries.body.items).toMatchObject([{ status: 'succeeded', attempts: 2, lastStatusCode: 204 }])
      second.child.kill('SIGTERM')
      expect(await second.exited).toBe(0)
    } finally {
      await receiver.close()
      await database.close()
    }
  })
})
