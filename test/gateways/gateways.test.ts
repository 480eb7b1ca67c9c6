// The recipes of docs/gateways/ with the real gateways: nginx (auth_request) and Caddy
// (forward_auth) started from the configuration on those pages (unprivileged ports, a temporary
// prefix, no system service) in front of a small upstream on loopback, with a listening Portico.
// The pages' configurations are used as written, with their marked values filled in.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { CADDY, type ExternalTool, findExecutable, NGINX } from '../helpers/executables.ts'
import { call, signUp } from '../helpers/http.ts'
import { createOrganization, type Person } from '../helpers/organizations.ts'
import { apiKey, application, must, publishedApi } from '../helpers/portal.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

const GATEWAY_TOKEN = 'gateway-token-for-gateway-tests'

function configurationOf(page: string, language: string): string {
  const text = readFileSync(new URL(`../../docs/gateways/${page}`, import.meta.url), 'utf8')
  const match = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(text)
  if (!match?.[1]) throw new Error(`no ${language} block in docs/gateways/${page}`)
  return match[1]
}

async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** Waits until something answers HTTP on the port (the gateway has started). */
async function answering(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`gateway exited: ${log()}`)
    try {
      await fetch(`http://127.0.0.1:${port}/`)
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  throw new Error(`gateway did not start: ${log()}`)
}

interface Gateway {
  name: string
  tool: ExternalTool
  /** The page's configuration with its values filled in; `environment` set: the gateway serves only that one. */
  configure(options: {
    port: number
    upstream: number
    portico: number
    dir: string
    environment?: string
  }): string
  command(dir: string, file: string): string[]
  file: string
}

const gateways: Gateway[] = [
  {
    name: 'nginx',
    tool: NGINX,
    file: 'nginx.conf',
    configure: ({ port, upstream, portico, dir, environment }) => {
      let text = configurationOf('nginx.md', 'nginx')
        .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${upstream};`)
        .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${portico};`)
        .replace('"change-me"', `"${GATEWAY_TOKEN}"`)
        .replace('listen 8000;', `listen 127.0.0.1:${port};`)
        // Temporary files and logs in the test's own directory (the packaged paths need root).
        .replace(
          'http {',
          `http {\n    access_log off;\n${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
            .map((kind) => `    ${kind}_temp_path ${dir}/${kind};`)
            .join('\n')}`,
        )
      if (environment) {
        text = text.replace(
          'proxy_set_header X-Portico-Environment "";',
          `proxy_set_header X-Portico-Environment ${environment};`,
        )
      }
      return text
    },
    command: (dir, file) => [
      '-p',
      dir,
      '-c',
      file,
      '-e',
      'stderr',
      '-g',
      `daemon off; pid ${dir}/nginx.pid;`,
    ],
  },
  {
    name: 'caddy',
    tool: CADDY,
    file: 'Caddyfile',
    configure: ({ port, upstream, portico, environment }) => {
      let text = configurationOf('caddy.md', 'caddyfile')
        .replace('reverse_proxy 127.0.0.1:8080', `reverse_proxy 127.0.0.1:${upstream}`)
        .replace('forward_auth 127.0.0.1:3000', `forward_auth 127.0.0.1:${portico}`)
        .replace('"change-me"', `"${GATEWAY_TOKEN}"`)
        .replace(':8001 {', `http://127.0.0.1:${port} {`)
      if (environment) {
        text = text.replace(
          'header_up -X-Portico-Environment',
          `header_up X-Portico-Environment ${environment}`,
        )
      }
      return text
    },
    command: (_dir, file) => ['run', '--config', file, '--adapter', 'caddyfile'],
  },
]

const database = databases.includes('postgres') ? 'postgres' : 'pglite'

// nginx and Caddy come from the system, not from npm: where one is missing its tests are skipped, named
// with the reason (and the run's first lines say so, test/helpers/postgres-setup.ts).
for (const gateway of gateways.filter((gateway) => !findExecutable(gateway.tool))) {
  describe(`Portico behind ${gateway.name}`, () => {
    it.skip(`needs ${gateway.name}, which is not installed (${gateway.tool.install})`, () => {})
  })
}

describe.each(
  gateways.flatMap((gateway) => {
    const binary = findExecutable(gateway.tool)
    return binary ? [{ ...gateway, binary }] : []
  }),
)('Portico behind $name', (gateway) => {
  let portico: TestPortico
  let upstream: Server
  const seen: IncomingHttpHeaders[] = []
  const running: { child: ChildProcess; dir: string }[] = []
  let port: number
  let environmentPort: number

  async function startGateway(options: { environment?: string }): Promise<number> {
    const dir = mkdtempSync(join(tmpdir(), `portico-${gateway.name}-`))
    for (const kind of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, kind))
    const gatewayPort = await freePort()
    const address = (server: { address(): unknown }) => (server.address() as { port: number }).port
    const file = join(dir, gateway.file)
    writeFileSync(
      file,
      gateway.configure({
        port: gatewayPort,
        upstream: address(upstream),
        portico: address(portico.app.server),
        dir,
        environment: options.environment,
      }),
    )
    const child = spawn(gateway.binary, gateway.command(dir, file), {
      env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout?.on('data', (chunk) => {
      output += chunk
    })
    child.stderr?.on('data', (chunk) => {
      output += chunk
    })
    running.push({ child, dir })
    await answering(gatewayPort, child, () => output)
    return gatewayPort
  }

  beforeAll(async () => {
    portico = await startTestPortico(database, { env: { ORG_CREATION_LIMIT: '0', GATEWAY_TOKEN } })
    await portico.app.listen({ port: 0, host: '127.0.0.1' })
    upstream = createServer((request, response) => {
      seen.push(request.headers)
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ path: request.url, headers: request.headers }))
    })
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    port = await startGateway({})
    environmentPort = await startGateway({ environment: 'production' })
  })
  afterAll(async () => {
    for (const { child, dir } of running) {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    }
    await new Promise((resolve) => upstream?.close(resolve))
    await portico?.close()
  })

  const app = () => portico.app

  async function setUp(plan?: { requestsPerMinute: number }) {
    const owner = (await signUp(app())) as Person
    const org = await createOrganization(app(), owner, 'Behind a Gateway')
    const api = await publishedApi(app(), owner.token, org.id)
    if (plan) {
      await must(
        call(app(), 'PUT', `/v1/organizations/${org.id}/apis/${api.id}/plans`, {
          token: owner.token,
          body: { items: [{ name: 'default', title: 'Default', ...plan }] },
        }),
        200,
      )
    }
    const shop = await application(app(), owner.token, org.id)
    await must(
      call(app(), 'POST', `/v1/organizations/${org.id}/applications/${shop.id}/subscriptions`, {
        token: owner.token,
        body: { apiId: api.id },
      }),
      201,
    )
    const key = await apiKey(app(), owner.token, org.id, shop.id)
    return { owner, org, api, shop, key, path: `${api.basePath}/${api.version}` }
  }

  const through = (gatewayPort: number, path: string, headers: Record<string, string>) =>
    fetch(`http://127.0.0.1:${gatewayPort}${path}`, { headers })

  it('lets a valid key reach the API with the identity headers, never the client’s own', async () => {
    const { org, api, shop, key, path } = await setUp()
    const answer = await through(port, `${path}/charges?limit=1`, {
      'x-api-key': key.secret,
      'x-portico-organization-id': 'spoofed',
      'x-portico-environment': 'development',
      'x-portico-code': 'spoofed',
    })
    expect(answer.status).toBe(200)
    const received = (await answer.json()) as { path: string; headers: IncomingHttpHeaders }
    expect(received.path).toBe(`${path}/charges?limit=1`)
    expect(received.headers).toMatchObject({
      'x-portico-organization-id': org.id,
      'x-portico-developer-id': org.id,
      'x-portico-application-id': shop.id,
      'x-portico-key-id': key.id,
      'x-portico-environment': 'production',
      'x-portico-api-id': api.id,
    })
    expect(received.headers['x-api-key']).toBeUndefined()
    expect(received.headers['x-portico-code']).toBeUndefined()
    // guards: identity spoofing — a client's X-Portico-* header reaching the API when Portico's answer lacks it.
    const refused = await through(port, '/nowhere', {
      'x-api-key': key.secret,
      'x-portico-organization-id': 'spoofed',
    })
    expect(refused.status).toBe(403)
    expect(seen.some((headers) => headers['x-portico-organization-id'] === 'spoofed')).toBe(false)
    const byBearer = await through(port, path, { authorization: `Bearer ${key.secret}` })
    expect(byBearer.status).toBe(200)
  })

  it('refuses missing, unknown and revoked keys (401), unsubscribed and wrong-environment ones (403)', async () => {
    const { owner, org, shop, key, path } = await setUp()
    const before = seen.length
    const missing = await through(port, path, {})
    expect([missing.status, missing.headers.get('x-portico-code')]).toEqual([401, 'key_missing'])
    expect(missing.headers.get('www-authenticate')).toBe('ApiKey')
    const unknown = await through(port, path, {
      'x-api-key': 'portico_production_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    })
    expect([unknown.status, unknown.headers.get('x-portico-code')]).toEqual([401, 'unknown'])
    const other = await publishedApi(app(), owner.token, org.id)
    const unsubscribed = await through(port, `${other.basePath}/v1/x`, { 'x-api-key': key.secret })
    expect([unsubscribed.status, unsubscribed.headers.get('x-portico-code')]).toEqual([403, 'not_subscribed'])
    const development = await apiKey(app(), owner.token, org.id, shop.id, 'development')
    expect((await through(port, path, { 'x-api-key': development.secret })).status).toBe(200)
    const wrong = await through(environmentPort, path, { 'x-api-key': development.secret })
    expect([wrong.status, wrong.headers.get('x-portico-code')]).toEqual([403, 'wrong_environment'])
    expect((await through(environmentPort, path, { 'x-api-key': key.secret })).status).toBe(200)
    // Revoked: the very next request through the gateway is refused.
    expect((await through(port, path, { 'x-api-key': key.secret })).status).toBe(200)
    const revokedAt = performance.now()
    await must(
      call(app(), 'DELETE', `/v1/organizations/${org.id}/applications/${shop.id}/keys/${key.id}`, {
        token: owner.token,
      }),
      204,
    )
    const revoked = await through(port, path, { 'x-api-key': key.secret })
    expect([revoked.status, revoked.headers.get('x-portico-code')]).toEqual([401, 'revoked'])
    expect(performance.now() - revokedAt).toBeLessThan(1000)
    // Only the three allowed requests reached the API.
    expect(seen.length - before).toBe(3)
  })

  it('answers a rate-limited key 429 with Retry-After', async () => {
    const { key, path } = await setUp({ requestsPerMinute: 2 })
    const first = await through(port, path, { 'x-api-key': key.secret })
    expect([
      first.status,
      first.headers.get('ratelimit-limit'),
      first.headers.get('ratelimit-remaining'),
    ]).toEqual(gateway.name === 'nginx' ? [200, '2', '1'] : [200, null, null])
    expect((await through(port, path, { 'x-api-key': key.secret })).status).toBe(200)
    const limited = await through(port, path, { 'x-api-key': key.secret })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('x-portico-code')).toBe('rate_limited')
    const seconds = 60 - Math.floor((portico.clock.now().getTime() % 60_000) / 1000)
    expect(limited.headers.get('retry-after')).toBe(String(seconds))
    expect(limited.headers.get('ratelimit-remaining')).toBe('0')
  })

  it('answers a gateway on the lean path exactly as the Fastify route does', async () => {
    const { key, path } = await setUp()
    const address = `http://127.0.0.1:${(portico.app.server.address() as { port: number }).port}`
    const cases: Record<string, string>[] = [
      { 'x-api-key': key.secret, 'x-original-uri': path },
      { 'x-api-key': key.secret, 'x-original-uri': '/nowhere' },
      { 'x-original-uri': path },
    ]
    for (const headers of cases) {
      const lean = await fetch(`${address}/v1/gateway/authorize`, {
        headers: { 'x-gateway-token': GATEWAY_TOKEN, ...headers },
      })
      const injected = await app().inject({
        method: 'GET',
        url: '/v1/gateway/authorize',
        headers: { 'x-gateway-token': GATEWAY_TOKEN, ...headers },
      })
      expect(lean.status).toBe(injected.statusCode)
      expect(await lean.text()).toBe(injected.body)
      for (const name of [
        'content-type',
        'x-content-type-options',
        'x-portico-code',
        'x-portico-key-id',
        'www-authenticate',
      ]) {
        expect([name, lean.headers.get(name)]).toEqual([name, injected.headers[name] ?? null])
      }
      expect(lean.headers.get('x-content-type-options')).toBe('nosniff')
    }
  })

  it('answers POST /v1/keys/verify on the lean path exactly as the Fastify route does', async () => {
    const { api, key } = await setUp()
    const address = `http://127.0.0.1:${(portico.app.server.address() as { port: number }).port}`
    const cases: [token: string, body: string][] = [
      [GATEWAY_TOKEN, JSON.stringify({ key: key.secret })],
      [GATEWAY_TOKEN, JSON.stringify({ key: key.secret, apiId: api.id, environment: 'production' })],
      [GATEWAY_TOKEN, JSON.stringify({ key: key.secret, environment: 'development' })],
      [GATEWAY_TOKEN, JSON.stringify({ key: 'portico_production_nothing' })],
      [GATEWAY_TOKEN, JSON.stringify({ key: key.secret, extra: 1 })],
      [GATEWAY_TOKEN, JSON.stringify({ apiId: 'not-a-uuid' })],
      [GATEWAY_TOKEN, '{"key":'],
      [GATEWAY_TOKEN, ''],
      ['wrong', JSON.stringify({ key: key.secret })],
    ]
    for (const [token, body] of cases) {
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
      const lean = await fetch(`${address}/v1/keys/verify`, { method: 'POST', headers, body })
      const injected = await app().inject({ method: 'POST', url: '/v1/keys/verify', headers, payload: body })
      expect([body, lean.status]).toEqual([body, injected.statusCode])
      expect([body, await lean.json()]).toEqual([body, injected.json()])
      expect(lean.headers.get('content-type')).toBe(injected.headers['content-type'])
      expect(lean.headers.get('x-content-type-options')).toBe('nosniff')
    }
  })

  it('lets 100 concurrent requests with one key all through', async () => {
    const { key, path } = await setUp()
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => through(port, `${path}/${i}`, { 'x-api-key': key.secret })),
    )
    const statuses = await Promise.all(
      answers.map(async (answer) => [answer.status, (await answer.json()).path]),
    )
    expect(statuses).toEqual(Array.from({ length: 100 }, (_, i) => [200, `${path}/${i}`]))
  })
})
