// The signed-in session of the command line: where Portico is, the token, and the organization
// commands act on by default. Kept in the user's config directory ($XDG_CONFIG_HOME/portico, else
// ~/.config/portico) in a file only its owner may read (0600): the token is a password's equal.
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

export interface CliSession {
  url: string
  token: string
  /** The organization commands act on without --org (set by login and `orgs switch`). */
  organization?: string
}

export function configDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'portico')
}

export function sessionFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDirectory(env), 'session.json')
}

export async function readSession(): Promise<CliSession | undefined> {
  try {
    return JSON.parse(await readFile(sessionFile(), 'utf8')) as CliSession
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

export async function saveSession(session: CliSession): Promise<string> {
  const file = sessionFile()
  await mkdir(configDirectory(), { recursive: true, mode: 0o700 })
  await writeFile(file, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 })
  // A file that existed keeps its mode through writeFile: make sure it is the owner's alone.
  await chmod(file, 0o600)
  return file
}

export async function forgetSession(): Promise<void> {
  await rm(sessionFile(), { force: true })
}
