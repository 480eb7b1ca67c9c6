// Crash safety of invitation mail with real processes: the invitation commits, the process dies
// (SIGKILL) before the mail goes out, a new process starts, and exactly one mail arrives.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { linkIn, startMailCatcher } from '../helpers/mail-catcher.ts'
import { freePort, type ServerProcess, spawnServer, waitUntilReady } from '../helpers/server-process.ts'

const running: ServerProcess[] = []
const dir = mkdtempSync(join(tmpdir(), 'portico-crash-'))
afterAll(() => {
  for (const server of running) server.child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

async function post(base: string, path: string, body: unknown, token?: string) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  })
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  return { status: response.status, body: (await response.json()) as any }
}

describe('invitation mail across a crash', () => {
  it('is sent exactly once by the next process when the first died before sending it', {
    timeout: 420_000,
  }, async () => {
    const catcher = await startMailCatcher()
    try {
      // First life: SMTP points at a closed port, so nothing can be sent; the outbox keeps it.
      const closedPort = await freePort()
      const first = spawnServer({
        PORT: String(await freePort()),
        DATA_DIR: dir,
        SMTP_URL: `smtp://127.0.0.1:${closedPort}`,
        PUBLIC_URL: 'http://portico.test',
      })
      running.push(first)
      await waitUntilReady(first)
      const owner = await post(first.url, '/v1/auth/sign-up', {
        email: 'owner@crash.test',
        password: 'crash password',
        name: 'Owner',
      })
      const org = await post(first.url, '/v1/organizations', { name: 'Crash Co' }, owner.body.token)
      const invited = await post(
        first.url,
        `/v1/organizations/${org.body.id}/invitations`,
        { email: 'invitee@crash.test', roles: ['member'] },
        owner.body.token,
      )
      expect(invited.status).toBe(201)
      first.child.kill('SIGKILL')
      await first.exited

      // Second life, SMTP reachable: the committed mail goes out once, after its retry backoff, or
      // after the 30 s lease if the first process died in the middle of an attempt.
      const second = spawnServer({
        PORT: String(await freePort()),
        DATA_DIR: dir,
        SMTP_URL: catcher.url,
        PUBLIC_URL: 'http://portico.test',
      })
      running.push(second)
      await waitUntilReady(second)
      const mail = await catcher.next('invitee@crash.test', 45_000)
      expect(linkIn(mail, 'http://portico.test/invitations/')).toMatch(
        /^http:\/\/portico\.test\/invitations\/[A-Za-z0-9_-]{43}$/,
      )
      await new Promise((resolve) => setTimeout(resolve, 2_500))
      expect(catcher.mails.filter((m) => m.to === 'invitee@crash.test')).toHaveLength(1)
      second.child.kill('SIGTERM')
      expect(await second.exited).toBe(0)
    } finally {
      await catcher.close()
    }
  })
})
