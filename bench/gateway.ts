// Gateway scenarios of `npm run bench` (issue 15): GET /v1/gateway/authorize and POST
// /v1/keys/verify warm, under a plan with limits (so every request is counted against the shared
// budget) and usage counting on; and the same upstream through nginx with and without Portico's
// check (the recipe of docs/gateways/nginx.md). Load comes from autocannon pinned to its own core
// when `taskset` exists (harness.ts).
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type AutocannonResult, autocannon, serverCores, stop } from './harness.ts'
import { type Json, startBenchPortico } from './setup.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const NGINX = '/usr/sbin/nginx'

export interface GatewayRow {
  scenario: string
  result: AutocannonResult
  ceiling?: AutocannonResult
  note: string
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

function nginxConfiguration(options: {
  port: number
  upstream: number
  portico: number
  dir: string
  check: boolean
}) {
  const page = readFileSync(join(root, 'docs/gateways/nginx.md'), 'utf8')
  let text = /```nginx\n([\s\S]*?)```/.exec(page)?.[1] ?? ''
  text = text
    .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${options.upstream};`)
    .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${options.portico};`)
    .replace('"change-me"', '"bench-gateway"')
    .replace('listen 8000;', `listen 127.0.0.1:${options.port};`)
    .replace('events {}', 'worker_processes 1;\nevents {}')
    .replace(
      'http {',
      `http {\n    access_log off;\n${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
        .map((kind) => `    ${kind}_temp_path ${options.dir}/${kind};`)
        .join('\n')}`,
    )
  // Without the check: the same configuration proxying straight to the upstream.
  if (!options.check) text = text.replace('auth_request /_portico_authorize;', '')
  return text
}

async function startNginx(options: { upstream: number; portico: number; check: boolean }) {
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-nginx-'))
  for (const kind of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, kind))
  const port = await freePort()
  const file = join(dir, 'nginx.conf')
  writeFileSync(file, nginxConfiguration({ ...options, port, dir }))
  const args = ['-p', dir, '-c', file, '-e', 'stderr', '-g', `daemon off; pid ${dir}/nginx.pid;`]
  const child = serverCores
    ? spawn('taskset', ['-c', serverCores, NGINX, ...args], { stdio: 'ignore' })
    : spawn(NGINX, args, { stdio: 'ignore' })
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await fetch(`http://127.0.0.1:${port}/`)
      break
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return {
    port,
    close: async () => {
      await stop(child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function gatewayScenarios(options: {
  json: Json
  token: string
  organizationId: string
  applicationId: string
  key: { secret: string }
  portico: number
  ceilingPort: number
  ceiling: ChildProcess
}): Promise<GatewayRow[]> {
  const { json, token, organizationId, applicationId } = options
  const base = `http://127.0.0.1:${options.portico}`
  const { body: api } = await json(`/v1/organizations/${organizationId}/apis`, {
    method: 'POST',
    token,
    body: { name: 'Bench API', version: 'v1', basePath: '/bench' },
  })
  await json(`/v1/organizations/${organizationId}/apis/${api.id}/publish`, { method: 'POST', token })
  // Limits far above what the bench sends: every request is counted, none refused.
  await json(`/v1/organizations/${organizationId}/apis/${api.id}/plans`, {
    method: 'PUT',
    token,
    body: {
      items: [
        {
          name: 'metered',
          title: 'Metered',
          requestsPerMinute: 2_000_000_000,
          requestsPerDay: 2_000_000_000,
        },
      ],
    },
  })
  await json(`/v1/organizations/${organizationId}/applications/${applicationId}/subscriptions`, {
    method: 'POST',
    token,
    body: { apiId: api.id, plan: 'metered' },
  })
  const rows: GatewayRow[] = []
  const ceilingUrl = `http://127.0.0.1:${options.ceilingPort}/`
  const guarded = {
    'x-gateway-token': 'bench-gateway',
    'x-api-key': options.key.secret,
    'x-original-uri': '/bench/v1/orders/42',
    'x-original-method': 'GET',
  }
  const authorizeCeiling = await autocannon(ceilingUrl, { connections: 50, headers: guarded })
  const authorize = await autocannon(`${base}/v1/gateway/authorize`, { connections: 50, headers: guarded })
  rows.push({
    scenario: 'GET /v1/gateway/authorize, warm, plan limits + usage on',
    result: authorize,
    ceiling: authorizeCeiling,
    note: 'read and answered on the gateway’s connection; key, path index and shared-limit counters in memory',
  })
  const gateway = { 'content-type': 'application/json', authorization: 'Bearer bench-gateway' }
  const body = JSON.stringify({ key: options.key.secret, apiId: api.id })
  const verifyCeiling = await autocannon(ceilingUrl, {
    connections: 50,
    method: 'POST',
    headers: gateway,
    body,
  })
  const verify = await autocannon(`${base}/v1/keys/verify`, {
    connections: 50,
    method: 'POST',
    headers: gateway,
    body,
  })
  rows.push({
    scenario: 'POST /v1/keys/verify {key, apiId}, warm, plan limits + usage on',
    result: verify,
    ceiling: verifyCeiling,
    note: 'read and answered on the gateway’s connection: body parsed and validated with the route schema',
  })

  if (existsSync(NGINX)) {
    // The ceiling server is the upstream: nginx proxying to it, with and without Portico's check.
    const plain = await startNginx({ upstream: options.ceilingPort, portico: options.portico, check: false })
    const checked = await startNginx({ upstream: options.ceilingPort, portico: options.portico, check: true })
    try {
      const client = { 'x-api-key': options.key.secret }
      const without = await autocannon(`http://127.0.0.1:${plain.port}/bench/v1/orders/42`, {
        connections: 50,
        headers: client,
      })
      const withCheck = await autocannon(`http://127.0.0.1:${checked.port}/bench/v1/orders/42`, {
        connections: 50,
        headers: client,
      })
      rows.push({
        scenario: 'through nginx with Portico’s check (auth_request)',
        result: withCheck,
        ceiling: without,
        note: 'ceiling here: the same nginx (1 worker) proxying to the same upstream without the check',
      })
    } finally {
      await plain.close()
      await checked.close()
    }
  }
  return rows
}

/** `node bench/gateway.ts`: the gateway scenarios alone (printed, docs untouched), for quick runs. */
async function alone(): Promise<void> {
  const bench = await startBenchPortico(Number(process.env.BENCH_PORT ?? 3910))
  try {
    const rows = await gatewayScenarios({
      json: bench.json,
      token: bench.token,
      organizationId: bench.organization.id,
      applicationId: bench.application.id,
      key: bench.key,
      portico: bench.port,
      ceilingPort: bench.ceilingPort,
      ceiling: bench.ceiling,
    })
    for (const row of rows) {
      const ratio = row.ceiling
        ? (row.result.requests.average / row.ceiling.requests.average).toFixed(2)
        : '–'
      console.log(
        `| ${row.scenario} | ${row.result.requests.average.toFixed(0)} | ${row.result.latency.p50} | ${row.result.latency.p99} | ${row.result.errors + row.result.non2xx} | ${row.ceiling?.requests.average.toFixed(0) ?? '–'} | ${ratio} | ${row.note} |`,
      )
    }
  } finally {
    await bench.close()
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await alone()
