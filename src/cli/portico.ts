#!/usr/bin/env node
// `portico`: the command line. HTTP commands (login, orgs, members, invitations, apis, apps, keys,
// audit, webhooks) call Portico through @portico/sdk with the session `login` keeps; the operator's
// commands (migrate, seed, audit:export, openapi) work on the configured database through
// src/portico.ts. Tables by default, --json for scripts, exit codes in output.ts (docs/cli.md).
import { Command, CommanderError } from 'commander'
import packageJson from '../../package.json' with { type: 'json' }
import { ConfigError } from '../config.ts'
import { registerAccountCommands } from './commands/account.commands.ts'
import { registerEventCommands } from './commands/events.commands.ts'
import { registerOperatorCommands } from './commands/operator.commands.ts'
import { registerOrganizationCommands } from './commands/organizations.commands.ts'
import { registerPortalCommands } from './commands/portal.commands.ts'
import { EXIT, failureOf, UnreachableError } from './output.ts'

const program = new Command('portico')
  .description(
    'Portico from the command line: organizations, members, the developer portal, events; and operator tasks',
  )
  .version(packageJson.version)
  .option('--json', 'print JSON (for scripts) instead of tables')
  .option('--org <org>', 'the organization to act on, by ID or handle (default: `portico orgs switch`)')
  // Set before the commands are added, so that every command inherits it.
  .exitOverride()
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
Exit codes: 0 done; 1 refused by the server or failed; 2 wrong usage; 3 not signed in;
4 Portico or its database unreachable, or the configuration invalid.
The session is kept in $XDG_CONFIG_HOME/portico/session.json (else ~/.config/portico), mode 0600;
PORTICO_URL, PORTICO_TOKEN and PORTICO_ORGANIZATION take precedence over it.`,
  )

registerAccountCommands(program)
registerOrganizationCommands(program)
registerPortalCommands(program)
registerEventCommands(program)
registerOperatorCommands(program)

try {
  await program.parseAsync(process.argv)
} catch (caught) {
  let error = caught
  if (error instanceof CommanderError) {
    // Commander has said what was wrong (or printed the help or version asked for).
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage
  } else {
    if (error instanceof ConfigError) error = new UnreachableError(`invalid configuration: ${error.message}`)
    // The database's own error class is not imported: it would load the server's code for every command.
    if (error instanceof Error && error.name === 'DatabaseUnavailableError')
      error = new UnreachableError(error.message)
    const failure = failureOf(error)
    process.stderr.write(`portico: ${failure.message}\n`)
    process.exitCode = failure.code
  }
}
