// login, logout, whoami: the command line's session.

import type { Command } from 'commander'
import { createPortico } from '../../../packages/sdk/src/index.ts'
import { forgetSession, readSession, saveSession } from '../cli-session.ts'
import { contextOf } from '../command-context.ts'
import { UsageError } from '../output.ts'

async function readStdin(): Promise<string> {
  let text = ''
  for await (const chunk of process.stdin) text += chunk
  return text.replace(/\r?\n$/, '')
}

export function registerAccountCommands(program: Command) {
  program
    .command('login')
    .description('Sign in and keep the session token in the config directory (0600)')
    .requiredOption(
      '--url <url>',
      'where Portico answers',
      process.env.PORTICO_URL ?? 'http://localhost:3000',
    )
    .option('--email <email>', 'your email (the password from --password-stdin or PORTICO_PASSWORD)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--token <token>', 'keep this session token instead of signing in')
    .action(async (options, command: Command) => {
      const { print } = contextOf(command)
      const url = String(options.url).replace(/\/$/, '')
      let token: string = options.token
      if (!token) {
        if (!options.email) throw new UsageError('give --email (or --token)')
        const password = options.passwordStdin ? await readStdin() : process.env.PORTICO_PASSWORD
        if (!password)
          throw new UsageError(
            'give the password on standard input (--password-stdin) or in PORTICO_PASSWORD',
          )
        token = (await createPortico({ baseUrl: url }).auth.signIn({ email: options.email, password })).token
      }
      const me = await createPortico({ baseUrl: url, token }).me.get()
      const file = await saveSession({ url, token, organization: me.activeOrganizationId ?? undefined })
      print.done(`Signed in to ${url} as ${me.user.name} <${me.user.email}> (session kept in ${file})`, {
        url,
        user: me.user,
        sessionFile: file,
      })
    })

  program
    .command('logout')
    .description('End the session on the server and forget it here')
    .action(async (_options, command: Command) => {
      const { client, print } = contextOf(command)
      if (await readSession()) await (await client()).auth.signOut().catch(() => {})
      await forgetSession()
      print.done('Signed out')
    })

  program
    .command('whoami')
    .description('Who the stored session is, and the organization commands act on')
    .action(async (_options, command: Command) => {
      const { client, session, print } = contextOf(command)
      const me = await (await client()).me.get()
      const organization = (await session()).organization ?? me.activeOrganizationId
      const current = me.organizations.find((org) => org.id === organization || org.handle === organization)
      print.one({ ...me.user, organization: current ?? null }, [
        ['NAME', (row) => row.name],
        ['EMAIL', (row) => row.email],
        ['VERIFIED', (row) => (row.emailVerified ? 'yes' : 'no')],
        ['ORGANIZATION', (row) => row.organization?.handle],
        ['ROLES', (row) => row.organization?.roles],
      ])
    })
}
