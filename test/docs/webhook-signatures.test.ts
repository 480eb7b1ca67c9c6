// The signature-checking code of docs/events.md runs as written: the Node and the Python snippets
// are taken from the document and given a real delivery Portico sent to a loopback receiver.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findExecutable, PYTHON3 } from '../helpers/executables.ts'
import { call, signUp } from '../helpers/http.ts'
import { createOrganization, type Person } from '../helpers/organizations.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'
import {
  type ReceivedWebhook,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../helpers/webhook-receiver.ts'

const documentPath = fileURLToPath(new URL('../../docs/events.md', import.meta.url))

/** The fenced code block that follows `<!-- marker -->` in docs/events.md. */
function snippet(marker: string): string {
  const text = readFileSync(documentPath, 'utf8')
  const match = new RegExp(`<!-- ${marker} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(text)
  if (!match?.[1]) throw new Error(`docs/events.md has no code block after <!-- ${marker} -->`)
  return match[1]
}

describe('verifying a signature as docs/events.md shows', () => {
  let portico: TestPortico
  let receiver: WebhookReceiver
  let secret: string
  let delivery: ReceivedWebhook
  const dir = mkdtempSync(join(tmpdir(), 'portico-docs-'))
  beforeAll(async () => {
    receiver = await startWebhookReceiver()
    portico = await startTestPortico('pglite', { env: { WEBHOOK_ALLOW_PRIVATE: 'on' } })
    const owner = (await signUp(portico.app)) as Person
    const org = await createOrganization(portico.app, owner, 'Docs Co')
    const created = await call(portico.app, 'POST', `/v1/organizations/${org.id}/webhooks`, {
      token: owner.token,
      body: { url: `${receiver.url}/docs`, events: ['webhook.test'] },
    })
    secret = created.body.secret
    await call(portico.app, 'POST', `/v1/organizations/${org.id}/webhooks/${created.body.id}/test`, {
      token: owner.token,
    })
    delivery = await receiver.next('/docs')
  }, 180_000)
  afterAll(async () => {
    await portico?.close()
    await receiver?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const cases = () => [
    { body: delivery.body, secret, expected: true },
    { body: delivery.body.replace('webhook.test', 'webhook.tost'), secret, expected: false },
    { body: delivery.body, secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`, expected: false },
  ]

  it('in Node', () => {
    const module = join(dir, 'verify.mjs')
    writeFileSync(module, snippet('verify-node'))
    const harness = join(dir, 'harness.mjs')
    writeFileSync(
      harness,
      `import { verifyPorticoWebhook } from ${JSON.stringify(module)}
const { secret, headers, body } = JSON.parse(process.argv[2])
console.log(verifyPorticoWebhook(secret, headers, body))`,
    )
    for (const { body, secret: key, expected } of cases()) {
      const input = JSON.stringify({ secret: key, headers: delivery.headers, body })
      expect(execFileSync(process.execPath, [harness, input], { encoding: 'utf8' }).trim()).toBe(
        String(expected),
      )
    }
  })

  const python3 = findExecutable(PYTHON3)
  it.runIf(python3)('in Python', () => {
    const script = join(dir, 'verify.py')
    writeFileSync(
      script,
      `${snippet('verify-python')}
import json, sys
given = json.loads(sys.argv[1])
print(str(verify_portico_webhook(given["secret"], given["headers"], given["body"].encode())).lower())
`,
    )
    for (const { body, secret: key, expected } of cases()) {
      const input = JSON.stringify({ secret: key, headers: delivery.headers, body })
      expect(execFileSync(python3 ?? 'python3', [script, input], { encoding: 'utf8' }).trim()).toBe(
        String(expected),
      )
    }
  })
})
