// `npm run bench`: starts a real Portico (PostgreSQL when DATABASE_URL is set, else PGlite in a
// temporary DATA_DIR) and measures it with autocannon running in a separate process, each scenario
// bounded in time. Prints a table and writes it to docs/performance.md.
//
// Scenarios so far: start-up time to /readyz, and sign-in, which argon2id bounds by design.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const port = Number(process.env.BENCH_PORT ?? 3900)
const base = `http://127.0.0.1:${port}`

interface Result {
  scenario: string
  requestsPerSecond: number
  p50: number
  p99: number
  errors: number
  note: string
}

async function waitReady(child: ChildProcess): Promise<number> {
  const started = performance.now()
  for (;;) {
    if (child.exitCode !== null) throw new Error('Portico exited during start-up')
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return performance.now() - started
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

interface AutocannonResult {
  requests: { average: number }
  latency: { p50: number; p99: number }
  errors: number
  non2xx: number
}

function autocannon(args: string[]): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules/.bin/autocannon'), ['-j', '-d', String(seconds), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += String(chunk)
    })
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`autocannon exited ${code}`)),
    )
  })
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-bench-'))
  const env = { ...process.env, PORT: String(port), DATA_DIR: dataDir, RATE_LIMIT: 'off', LOG_LEVEL: 'warn' }
  // The first start creates the embedded cluster; the one measured is a restart, as in production.
  if (!process.env.DATABASE_URL) {
    const init = spawn(process.execPath, ['src/server.ts'], { cwd: root, env, stdio: 'inherit' })
    await waitReady(init)
    init.kill('SIGTERM')
    await new Promise((resolve) => init.on('exit', resolve))
  }
  const server = spawn(process.execPath, ['src/server.ts'], { cwd: root, env, stdio: 'inherit' })
  const startupMs = await waitReady(server)
  const results: Result[] = []
  try {
    const email = 'bench@example.com'
    const password = 'benchmark password'
    await fetch(`${base}/v1/auth/sign-up`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, name: 'Bench' }),
    })
    const signIn = await autocannon([
      '-c',
      '8',
      '-m',
      'POST',
      '-H',
      'content-type=application/json',
      '-b',
      JSON.stringify({ email, password }),
      `${base}/v1/auth/sign-in`,
    ])
    results.push({
      scenario: 'POST /v1/auth/sign-in',
      requestsPerSecond: signIn.requests.average,
      p50: signIn.latency.p50,
      p99: signIn.latency.p99,
      errors: signIn.errors + signIn.non2xx,
      note: 'argon2id (19 MiB, t=2) per request, on the libuv pool (4 threads)',
    })
  } finally {
    server.kill('SIGTERM')
    await new Promise((resolve) => server.on('exit', resolve))
    rmSync(dataDir, { recursive: true, force: true })
  }

  const database = process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'PGlite (embedded)'
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
  const table = [
    '| scenario | requests/s | p50 ms | p99 ms | errors | note |',
    '|---|---:|---:|---:|---:|---|',
    ...results.map(
      (r) =>
        `| ${r.scenario} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.note} |`,
    ),
  ].join('\n')
  const report = `# Performance\n\nMeasured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${machine}; database: ${database}; ${seconds} s per scenario, load from a separate autocannon process on loopback.\n\nStart-up to a ready \`/readyz\` (existing data directory): **${startupMs.toFixed(0)} ms**.\n\n${table}\n`
  console.log(report)
  mkdirSync(join(root, 'docs'), { recursive: true })
  writeFileSync(join(root, 'docs/performance.md'), report)
}

await main()
