// @portico/sdk as it is published: `npm pack` (its prepack builds JavaScript and declarations into
// dist/), the tarball unpacked into a node_modules of its own, and a plain ES module importing it
// by name. Node does not strip types under node_modules, so this is what proves the package runs
// where a user installs it; test/sdk/sdk.test.ts tests the client itself against a real Portico.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))

describe('@portico/sdk as published', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-sdk-package-'))
  let files: string[] = []

  beforeAll(async () => {
    const { stdout } = await run(
      'npm',
      ['pack', '--json', '--workspace', '@portico/sdk', '--pack-destination', dir],
      {
        cwd: root,
      },
    )
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as {
      filename: string
      files: { path: string }[]
    }[]
    if (!packed) throw new Error(`npm pack said: ${stdout}`)
    files = packed.files.map((file) => file.path)
    const installed = join(dir, 'node_modules', '@portico', 'sdk')
    mkdirSync(installed, { recursive: true })
    await run('tar', ['xzf', join(dir, packed.filename), '-C', installed, '--strip-components=1'])
    // Its one dependency, as npm would install it beside it.
    symlinkSync(join(root, 'node_modules', 'openapi-fetch'), join(dir, 'node_modules', 'openapi-fetch'))
  }, 120_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('ships JavaScript with declarations for both entry points, and the sources they map to', () => {
    for (const entry of ['index', 'webhooks', 'client', 'api-types']) {
      expect(files).toContain(`dist/${entry}.js`)
      expect(files).toContain(`dist/${entry}.d.ts`)
    }
    expect(files).toContain('src/index.ts')
    expect(files).toContain('package.json')
    expect(files.filter((file) => file.startsWith('test') || file.startsWith('scripts'))).toEqual([])
  })

  // Node 24 runs the tests; the machine's own Node (an older one here) is tried too when there is one.
  const nodes = [process.execPath, ...['/usr/bin/node', '/usr/local/bin/node'].filter(existsSync)]
  it.each(nodes)(
    'is imported by name from node_modules and signs and verifies a webhook (%s)',
    async (node) => {
      const script = join(dir, 'check.mjs')
      writeFileSync(
        script,
        `import { createPortico, PorticoError, all, signWebhook, verifyWebhook } from '@portico/sdk'
import * as webhooks from '@portico/sdk/webhooks'
const secret = 'whsec_' + Buffer.from('a secret of enough length for HMAC').toString('base64')
const body = JSON.stringify({ type: 'member.added', data: {} })
const timestamp = Math.floor(Date.now() / 1000)
const headers = {
  'webhook-id': 'msg_1',
  'webhook-timestamp': String(timestamp),
  'webhook-signature': signWebhook(secret, 'msg_1', timestamp, body),
}
const event = verifyWebhook(body, headers, secret)
const portico = createPortico({ baseUrl: 'http://127.0.0.1:9' })
console.log(JSON.stringify({
  type: event.type,
  sameVerify: webhooks.verifyWebhook === verifyWebhook,
  client: typeof portico.organizations.list,
  error: typeof PorticoError,
  all: typeof all,
}))
`,
      )
      const { stdout } = await run(node, [script], { cwd: dir })
      expect(JSON.parse(stdout)).toEqual({
        type: 'member.added',
        sameVerify: true,
        client: 'function',
        error: 'function',
        all: 'function',
      })
      expect(readdirSync(dirname(script))).toContain('node_modules')
    },
  )
})
