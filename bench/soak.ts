// `DATABASE_URL=… node bench/soak.ts [minutes]`: Portico under mixed load (organization reads,
// member lists, /v1/me, key verification, permission checks, in rotation) for a bounded time,
// sampling its RSS every 30 s. Prints the curve and whether the end stays within 10 % of the level
// after the first minute, and writes it to docs/performance.md.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { autocannon, rssMiB, serverArguments, stop, waitFor } from './harness.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const minutes = Number(process.argv[2] ?? 10)
const port = Number(process.env.BENCH_PORT ?? 3920)
const base = `http://127.0.0.1:${port}`
if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (the soak runs on PostgreSQL)')

const server = spawn(process.execPath, serverArguments, {
  cwd: root,
  env: {
    ...process.env,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    RATE_LIMIT: 'off',
    GATEWAY_TOKEN: 'soak',
    ORG_CREATION_LIMIT: '0',
  },
  stdio: 'inherit',
})
await waitFor(`${base}/readyz`, server)

async function post(path: string, body: unknown, token?: string) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  })
  return response.json()
}
const { token } = await post('/v1/auth/sign-up', {
  email: `soak-${Date.now()}@example.com`,
  password: 'soak password!',
  name: 'Soak',
})
const organization = await post('/v1/organizations', { name: `Soak ${Date.now()}` }, token)
const application = await post(
  `/v1/organizations/${organization.id}/applications`,
  { name: 'Soak app' },
  token,
)
const key = await post(
  `/v1/organizations/${organization.id}/applications/${application.id}/keys`,
  { environment: 'production' },
  token,
)
const authorization = { authorization: `Bearer ${token}` }
const json = { 'content-type': 'application/json' }
const mix = [
  () =>
    autocannon(`${base}/v1/organizations/${organization.id}`, { connections: 20, headers: authorization }),
  () =>
    autocannon(`${base}/v1/organizations/${organization.id}/members`, {
      connections: 20,
      headers: authorization,
    }),
  () => autocannon(`${base}/v1/me`, { connections: 20, headers: authorization }),
  () =>
    autocannon(`${base}/v1/keys/verify`, {
      connections: 20,
      method: 'POST',
      headers: { ...json, authorization: 'Bearer soak' },
      body: JSON.stringify({ key: key.secret }),
    }),
  () =>
    autocannon(`${base}/v1/organizations/${organization.id}/permissions/check`, {
      connections: 20,
      method: 'POST',
      headers: { ...json, ...authorization },
      body: JSON.stringify({ permissions: ['api:read'] }),
    }),
]

/** V8's heap (reserved and used) and memory outside it, from the server's own /metrics. */
async function heapMiB(): Promise<{ heapTotal: number; heapUsed: number; external: number }> {
  const text = await (await fetch(`${base}/metrics`)).text()
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0) / 2 ** 20
  return {
    heapTotal: gauge('nodejs_heap_size_total_bytes'),
    heapUsed: gauge('nodejs_heap_size_used_bytes'),
    external: gauge('nodejs_external_memory_bytes'),
  }
}

const started = performance.now()
const samples: { minute: number; rss: number; heapTotal: number; heapUsed: number; external: number }[] = []
const sampler = setInterval(async () => {
  const minute = (performance.now() - started) / 60_000
  const sample = { minute, rss: rssMiB(server.pid), ...(await heapMiB()) }
  samples.push(sample)
  console.log(
    `soak: ${minute.toFixed(1)} min, RSS ${sample.rss.toFixed(0)} MiB, V8 heap ${sample.heapUsed.toFixed(0)} used of ${sample.heapTotal.toFixed(0)} MiB, external ${sample.external.toFixed(0)} MiB`,
  )
}, 30_000)
let requests = 0
for (let i = 0; performance.now() - started < minutes * 60_000; i++) {
  const result = await (mix[i % mix.length] ?? mix[0])?.()
  requests += (result?.requests.average ?? 0) * Number(process.env.BENCH_SECONDS ?? 10)
}
clearInterval(sampler)
await stop(server)

const afterFirstMinute = samples.find((sample) => sample.minute >= 1)?.rss ?? samples[0]?.rss ?? 0
const end = samples.at(-1)?.rss ?? 0
const change = afterFirstMinute ? ((end - afterFirstMinute) / afterFirstMinute) * 100 : 0
const section = [
  '<!-- bench:soak -->',
  `### Memory under ${minutes} minutes of mixed load (PostgreSQL)`,
  '',
  `\`bench/soak.ts\` on ${new Date().toISOString().slice(0, 10)}: ~${Math.round(requests).toLocaleString('en')} requests in rotation (organization, members, /v1/me, key verification, permission check; 20 connections). RSS after the first minute **${afterFirstMinute.toFixed(0)} MiB**, at the end **${end.toFixed(0)} MiB** (${change >= 0 ? '+' : ''}${change.toFixed(1)} %; goal within 10 %).`,
  '',
  `RSS (MiB) every 30 s: ${samples.map((sample) => sample.rss.toFixed(0)).join(', ')}`,
  '',
  `V8 heap reserved (MiB): ${samples.map((sample) => sample.heapTotal.toFixed(0)).join(', ')}`,
  '',
  `V8 heap used (MiB): ${samples.map((sample) => sample.heapUsed.toFixed(0)).join(', ')}`,
  '<!-- /bench:soak -->',
].join('\n')
console.log(section)
const path = join(root, 'docs/performance.md')
const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Performance\n'
const marked = /<!-- bench:soak -->[\s\S]*?<!-- \/bench:soak -->/
writeFileSync(
  path,
  marked.test(current) ? current.replace(marked, section) : `${current.trimEnd()}\n\n${section}\n`,
)
