// examples/onboard-customer.ts runs as its README line says, against a real Portico, and leaves the
// customer onboarded: the organization, the pending invitation of its admin, the subscribed
// application and a key the gateway lets through. (The SDK itself is tested on both databases in
// test/sdk/; one database is enough for the example.)
import { execFile } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { all, createPortico } from '../../packages/sdk/src/index.ts'
import { PASSWORD, uniqueEmail } from '../helpers/http.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

const GATEWAY_TOKEN = 'gateway-token-for-the-example'

describe('examples/onboard-customer.ts', () => {
  let portico: TestPortico
  let baseUrl: string
  beforeAll(async () => {
    // The example imports @portico/sdk by name, as a user does: the package's built JavaScript
    // (npm ci's prepare builds it; built again here so a change to the SDK's sources counts).
    await new Promise<void>((resolve, reject) =>
      execFile('npm', ['run', 'build', '--silent', '--workspace', '@portico/sdk'], (error) =>
        error ? reject(error) : resolve(),
      ),
    )
    portico = await startTestPortico('pglite', { env: { GATEWAY_TOKEN } })
    await portico.app.listen({ port: 0, host: '127.0.0.1' })
    baseUrl = `http://127.0.0.1:${(portico.app.server.address() as { port: number }).port}`
  })
  afterAll(async () => {
    await portico?.close()
  })

  it('onboards a customer end to end and the gateway lets their first request through', async () => {
    const { token } = await createPortico({ baseUrl }).auth.signUp({
      email: uniqueEmail('provider'),
      password: PASSWORD,
      name: 'Provider Operator',
    })
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['examples/onboard-customer.ts', 'Acme Payments', 'admin@acme.example'],
        {
          env: {
            PATH: process.env.PATH,
            PORTICO_URL: baseUrl,
            PORTICO_TOKEN: token,
            PORTICO_GATEWAY_TOKEN: GATEWAY_TOKEN,
          },
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      ),
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)

    const provider = createPortico({ baseUrl, token })
    const [organization] = await all(provider.organizations.list())
    const [application] = await all(provider.applications.list(organization?.id ?? ''))
    const [key] = await all(provider.keys.list(organization?.id ?? '', application?.id ?? ''))
    const [invitation] = await all(provider.invitations.list(organization?.id ?? ''))
    expect(run.stdout).toBe(
      [
        `organization acme-payments (${organization?.id})`,
        `invited admin@acme.example as admin (${invitation?.id})`,
        `application ${application?.id} subscribed to Payments v1, key ${key?.id}`,
        `gateway: allowed for application ${application?.id} in production`,
        '',
      ].join('\n'),
    )
    expect(invitation).toMatchObject({ email: 'admin@acme.example', roles: ['admin'], status: 'pending' })
    expect(application?.name).toBe('Acme Payments backend')
    expect(
      await all(provider.applications.subscriptions(organization?.id ?? '', application?.id ?? '')),
    ).toEqual([expect.objectContaining({ plan: 'default' })])
  })
})
