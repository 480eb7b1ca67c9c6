// Programs the tests use that npm cannot provide (PgBouncer, nginx, Caddy, Python 3): found in their packaged
// places, else on PATH. Where one is missing, the tests that need it are skipped with its name and
// how to install it, and the run says so in one line (test/helpers/postgres-setup.ts).
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'

export interface ExternalTool {
  /** The program's name, as on PATH. */
  name: string
  /** Where its packages put it, looked at before PATH (Debian's /usr/sbin is not on every PATH). */
  places: string[]
  /** How to install it, for the line that says it is missing. */
  install: string
  /** What a run without it leaves out. */
  without: string
}

export const PGBOUNCER: ExternalTool = {
  name: 'pgbouncer',
  places: ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'],
  install: 'apt-get install pgbouncer',
  without: 'the multi-instance tests run directly only, not also through a pooler',
}
export const NGINX: ExternalTool = {
  name: 'nginx',
  places: ['/usr/sbin/nginx'],
  install: 'apt-get install nginx-light',
  without: 'the nginx recipe tests (test/gateways) are skipped',
}
export const CADDY: ExternalTool = {
  name: 'caddy',
  places: ['/usr/bin/caddy'],
  install: 'apt-get install caddy',
  without: 'the Caddy recipe tests (test/gateways) are skipped',
}
export const PYTHON3: ExternalTool = {
  name: 'python3',
  places: [],
  install: 'apt-get install python3',
  without: 'the Python snippet of docs/events.md is not run (the Node one is)',
}

/** The tool's executable on this machine, or undefined where it is not installed. */
export function findExecutable(tool: ExternalTool): string | undefined {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean)
  return [...tool.places, ...onPath.map((dir) => join(dir, tool.name))].find(isExecutableFile)
}

/** The line a run prints about the tool: where it is, or what is skipped without it. */
export function toolLine(tool: ExternalTool): string {
  const found = findExecutable(tool)
  return found
    ? `${tool.name}: ${found}`
    : `${tool.name}: not installed (npm has none; ${tool.install}), so ${tool.without}`
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}
