// Runs the real server (`node src/server.ts`) as a child process, as `npm start` does.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

export interface ServerProcess {
  child: ChildProcess
  url: string
  output: () => string
  /** Resolves with the exit code. */
  exited: Promise<number | null>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

export function spawnServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += String(chunk)
  })
  child.stderr?.on('data', (chunk) => {
    output += String(chunk)
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, url: `http://127.0.0.1:${env.PORT}`, output: () => output, exited }
}

/**
 * Polls /readyz until it answers 200; returns the milliseconds it took. The default allows for a first
 * start on a new DATA_DIR on a loaded machine: creating the PGlite cluster costs some 4–8 s of CPU
 * (measured at 7.4 s, WebAssembly compile and initdb), and with the load of several suites on two
 * cores it took 25–40 s. A test that asserts how fast a start is checks the returned time itself.
 */
export async function waitUntilReady(server: ServerProcess, timeoutMs = 150_000): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < timeoutMs) {
    if (server.child.exitCode !== null) throw new Error(`server exited: ${server.output()}`)
    try {
      const answer = await fetch(`${server.url}/readyz`)
      if (answer.status === 200) return performance.now() - started
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`not ready within ${timeoutMs} ms: ${server.output()}`)
}
