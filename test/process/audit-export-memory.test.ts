// The audit export streams in constant memory: a real Portico process on PostgreSQL, its V8 old
// space capped at 64 MiB, exports 5,000, 50,000 and 200,000 events of one organization over HTTP
// (NDJSON, as fast as the client takes them) while its resident memory is sampled from /proc. The
// largest export is some 90 MiB of NDJSON: held in memory (as lines, let alone as event objects)
// it would not fit in that heap and the process would die; streamed in batches it completes with
// the peak RSS where the small export left it. Without the cap V8 lets the garbage pile up before
// collecting it (docs/performance.md); the cap makes that a proof. The figures are printed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { platform, tmpdir } from 'node:os'
import { join } from 'node:path'
import { hash } from '@node-rs/argon2'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { BIG_ORGANIZATION_ID, seed } from '../../src/store/seed.ts'
import { databases, openTestDatabase } from '../helpers/databases.ts'
import { freePort, type ServerProcess, spawnServer, waitUntilReady } from '../helpers/server-process.ts'

const SIZES = [5_000, 50_000, 200_000] as const
const EVENTS = SIZES[2]
const OLD_SPACE_MiB = 64
const MiB = 1024 * 1024

const running: ServerProcess[] = []
const dir = mkdtempSync(join(tmpdir(), 'portico-export-memory-'))
afterAll(() => {
  for (const server of running) server.child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

/** The process's resident set size in bytes (VmRSS of /proc/<pid>/status). */
function residentBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))
  return Number(line?.match(/(\d+)\s*kB/)?.[1] ?? Number.NaN) * 1024
}

/** The server's V8 heap in use (old space and all), from its /metrics (prom-client's defaults). */
async function heapUsed(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text()
  return Number(text.match(/^nodejs_heap_size_used_bytes (\S+)$/m)?.[1] ?? Number.NaN)
}

/**
 * Reads the whole export (counting its lines) while sampling the server's RSS every 20 ms; the
 * lines read and the highest RSS seen.
 */
async function exportWhileSampling(url: string, token: string, pid: number) {
  let peak = residentBytes(pid)
  const sampler = setInterval(() => {
    peak = Math.max(peak, residentBytes(pid))
  }, 20)
  const started = performance.now()
  try {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(200)
    let lines = 0
    let bytes = 0
    let tail = Buffer.alloc(0)
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++
      tail = Buffer.concat([tail, chunk]).subarray(-4096)
    }
    const last = tail.toString('utf8')
    const lastEvent = JSON.parse(last.trimEnd().split('\n').at(-1) ?? 'null')
    return { lines, bytes, peak, lastSeq: lastEvent?.seq, seconds: (performance.now() - started) / 1000 }
  } finally {
    clearInterval(sampler)
  }
}

describe.runIf(databases.includes('postgres') && platform() === 'linux')('the audit export’s memory', () => {
  it(`streams ${EVENTS.toLocaleString('en')} events through a server with a ${OLD_SPACE_MiB} MiB heap, its RSS as flat as for ${SIZES[0].toLocaleString('en')}`, {
    timeout: 600_000,
  }, async () => {
    const database = await openTestDatabase('postgres')
    try {
      const server = spawnServer({
        DATA_DIR: dir,
        DATABASE_URL: database.url ?? '',
        PORT: String(await freePort()),
        RATE_LIMIT: 'off',
        // As `npm start` runs it (package.json), with the old space capped.
        NODE_OPTIONS: `--max-semi-space-size=16 --max-old-space-size=${OLD_SPACE_MiB}`,
      })
      running.push(server)
      await waitUntilReady(server, 150_000)
      const pid = server.child.pid ?? 0

      // seed-user-1 owns the seeded organization and its audit log (a valid hash chain).
      await seed(
        database.db,
        { users: 1, orgs: 0, membersPerOrg: 1, bigOrg: 1, auditEvents: EVENTS },
        await hash('seeded password'),
        () => {},
      )
      const signIn = await fetch(`${server.url}/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'seed-user-1@seed.test', password: 'seeded password' }),
      })
      const { token } = (await signIn.json()) as { token: string }
      const exportUrl = `${server.url}/v1/organizations/${BIG_ORGANIZATION_ID}/audit-events/export?format=ndjson`
      // The first `size` events: until (exclusive) the time of event size + 1.
      const urlOf = async (size: number) => {
        if (size === EVENTS) return exportUrl
        const next = await sql<{ occurred_at: Date }>`select occurred_at from audit_events
          where organization_id = ${BIG_ORGANIZATION_ID}::uuid and seq = ${size + 1}`.execute(database.db)
        return `${exportUrl}&until=${encodeURIComponent(next.rows[0]?.occurred_at.toISOString() ?? '')}`
      }

      const idle = residentBytes(pid)
      const idleHeap = await heapUsed(server.url)
      await exportWhileSampling(await urlOf(SIZES[0]), token, pid) // warms the code paths up
      type Run = Awaited<ReturnType<typeof exportWhileSampling>> & { heapAfter: number }
      const runs: Run[] = []
      for (const size of SIZES) {
        const run = await exportWhileSampling(await urlOf(size), token, pid)
        expect([run.lines, run.lastSeq]).toEqual([size, size])
        runs.push({ ...run, heapAfter: await heapUsed(server.url) })
      }
      console.log(
        [
          `audit export memory, old space capped at ${OLD_SPACE_MiB} MiB (server RSS ${(idle / MiB).toFixed(0)} MiB, heap in use ${(idleHeap / MiB).toFixed(0)} MiB before the exports):`,
          ...runs.map(
            (run) =>
              `${run.lines.toLocaleString('en')} events, ${(run.bytes / MiB).toFixed(1)} MiB of NDJSON in ${run.seconds.toFixed(1)} s, server peak RSS ${(run.peak / MiB).toFixed(0)} MiB, heap in use after ${(run.heapAfter / MiB).toFixed(0)} MiB`,
          ),
        ].join('\n'),
      )
      // 90 MiB of lines went through a 64 MiB heap and the process lives; once the heap has grown
      // to its cap (by the 50,000), four times the events take no more memory.
      const [first, middle, largest] = runs as [Run, Run, Run]
      expect(largest.bytes).toBeGreaterThan(80 * MiB)
      expect(server.child.exitCode).toBeNull()
      expect(largest.peak - middle.peak).toBeLessThan(16 * MiB)
      expect(largest.peak - first.peak).toBeLessThan(40 * MiB)
      server.child.kill('SIGTERM')
      await server.exited
    } finally {
      await database.close()
    }
  })
})
