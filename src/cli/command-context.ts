// What every HTTP command needs: the SDK client of the stored session, the organization to act on,
// and the printer (--json or tables). Environment variables take precedence over the stored
// session, for scripts and CI: PORTICO_URL, PORTICO_TOKEN, PORTICO_ORGANIZATION.

import type { Command } from 'commander'
import { createPortico, type Portico } from '../../packages/sdk/src/index.ts'
import { type CliSession, readSession } from './cli-session.ts'
import { NotSignedInError, type Printer, printer, UsageError } from './output.ts'

export interface CommandContext {
  session(): Promise<CliSession>
  client(): Promise<Portico>
  /** --org, else the stored organization, else the session's active one on the server. */
  organization(): Promise<string>
  print: Printer
}

export function contextOf(command: Command): CommandContext {
  const options = command.optsWithGlobals<{ json?: boolean; org?: string }>()
  const session = async (): Promise<CliSession> => {
    const stored = await readSession()
    const url = process.env.PORTICO_URL || stored?.url
    const token = process.env.PORTICO_TOKEN || stored?.token
    if (!url || !token) throw new NotSignedInError('not signed in: run `portico login` first')
    return { url, token, organization: process.env.PORTICO_ORGANIZATION || stored?.organization }
  }
  const client = async () => {
    const { url, token } = await session()
    return createPortico({ baseUrl: url, token })
  }
  return {
    session,
    client,
    organization: async () => {
      if (options.org) return options.org
      const stored = (await session()).organization
      if (stored) return stored
      const active = (await (await client()).me.get()).activeOrganizationId
      if (!active)
        throw new UsageError('no organization chosen: pass --org, or run `portico orgs switch <org>`')
      return active
    },
    print: printer(options.json === true),
  }
}
