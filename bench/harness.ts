// Shared by the benchmarks: waiting for a process to answer, stopping it, its RSS, and load from
// autocannon in a separate process (bounded by BENCH_SECONDS).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

/**
 * The arguments `npm start` gives Node (its flags, then src/server.ts): benchmarks run the same,
 * with BENCH_NODE_FLAGS in front when set (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile
 * the server under the benchmark's load; Node refuses --cpu-prof in NODE_OPTIONS).
 */
export const serverArguments: string[] = [
  ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
  ...(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start as string)
    .split(' ')
    .slice(1),
]
const seconds = Number(process.env.BENCH_SECONDS ?? 10)

// With taskset and more than one core, the load generator gets the last core to itself and the
// servers (Portico, the ceiling, nginx) the others: they do not take each other's time.
const taskset = existsSync('/usr/bin/taskset') && cpus().length > 1
/** The cores the servers are pinned to (`taskset -c`), or undefined when nothing is pinned. */
export const serverCores = taskset ? `0-${cpus().length - 2}` : undefined
const loadCore = String(cpus().length - 1)

/** Spawns a server process pinned to the servers' cores when pinning is on. */
export function spawnServer(
  command: string,
  args: string[],
  options: Parameters<typeof spawn>[2],
): ChildProcess {
  return serverCores
    ? spawn('taskset', ['-c', serverCores, command, ...args], options)
    : spawn(command, args, options)
}

export interface AutocannonResult {
  requests: { average: number }
  latency: { p50: number; p99: number }
  errors: number
  non2xx: number
}

export async function waitFor(url: string, child: ChildProcess): Promise<number> {
  const started = performance.now()
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited`)
    try {
      if ((await fetch(url)).ok) return performance.now() - started
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.on('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

export function rssMiB(pid: number | undefined): number {
  if (!pid) return 0
  return (
    Number(
      execFileSync('ps', ['-o', 'rss=', '-p', String(pid)])
        .toString()
        .trim(),
    ) / 1024
  )
}

export function autocannon(
  url: string,
  options: {
    connections: number
    method?: string
    headers?: Record<string, string>
    body?: string
    idReplacement?: boolean
    /** A fixed number of requests instead of a fixed time. */
    amount?: number
  },
) {
  const args = ['-j', '-c', String(options.connections)]
  args.push(...(options.amount ? ['-a', String(options.amount)] : ['-d', String(seconds)]))
  if (options.method) args.push('-m', options.method)
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}=${value}`)
  if (options.body) args.push('-b', options.body)
  if (options.idReplacement) args.push('-I')
  args.push(url)
  return new Promise<AutocannonResult>((resolve, reject) => {
    const binary = join(root, 'node_modules/.bin/autocannon')
    const child = taskset
      ? spawn('taskset', ['-c', loadCore, binary, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += String(chunk)
    })
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`autocannon exited ${code}`)),
    )
  })
}
