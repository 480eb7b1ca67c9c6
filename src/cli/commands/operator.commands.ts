// The operator's commands, on the configured database (DATABASE_URL, else PGlite in DATA_DIR) and
// not over HTTP: migrate, seed, audit:export (also for a deleted organization, whose events no one
// can read through the API any more), openapi. They open Portico through src/portico.ts and call
// the same store and service code as the server.
import { writeFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { type Command, InvalidArgumentError } from 'commander'
import { readConfig } from '../../config.ts'
import { UsageError } from '../output.ts'
import { progressBar } from './events.commands.ts'

// The server's code is loaded by the operator's commands only: the HTTP commands start faster.
const portico = () => import('../../portico.ts')

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function wholeNumber(name: string) {
  return (value: string) => {
    const parsed = Number(value)
    if (!Number.isInteger(parsed) || parsed < 0)
      throw new InvalidArgumentError(`--${name} must be a whole number`)
    return parsed
  }
}

/** An ISO-8601 time option (commander names the option in its message). */
function isoTime(value: string): Date {
  const parsed = new Date(value)
  if (Number.isNaN(parsed.getTime()))
    throw new InvalidArgumentError(`must be an ISO-8601 time (got "${value}")`)
  return parsed
}

export function registerOperatorCommands(program: Command) {
  program
    .command('migrate')
    .description('Operator: apply pending migrations to the configured database')
    .action(async () => {
      const { database, migrations } = await (await portico()).openMigratedDatabase(readConfig())
      await database.close()
      console.log(migrations.length > 0 ? `applied: ${migrations.join(', ')}` : 'the database is up to date')
    })

  program
    .command('seed')
    .description('Operator: fill the configured database at scale and print a session token of user 1')
    .option('--users <n>', 'users', wholeNumber('users'), 1000)
    .option('--orgs <n>', 'organizations', wholeNumber('orgs'), 100)
    .option('--members-per-org <n>', 'members of each organization', wholeNumber('members-per-org'), 20)
    .option('--big-org <n>', 'members of the big organization', wholeNumber('big-org'), 1000)
    .option('--audit-events <n>', 'audit events of the big organization', wholeNumber('audit-events'), 1000)
    .action(async (options) => {
      const { hash } = await import('@node-rs/argon2')
      const { hashToken, newToken } = await import('../../domain/tokens.ts')
      const { seed, seedUserId } = await import('../../store/seed.ts')
      const { insertSession } = await import('../../store/sessions.repository.ts')
      const { database } = await (await portico()).openMigratedDatabase(readConfig())
      try {
        const started = performance.now()
        let bar: ReturnType<typeof progressBar> | undefined
        let step = ''
        // Every seeded user shares this password: "seeded password".
        await seed(database.db, options, await hash('seeded password'), ({ label, done, total }) => {
          if (label !== step) {
            bar?.stop()
            step = label
            bar = progressBar(label.padEnd(13))
            bar.start(total, 0)
          }
          bar?.update(done)
        })
        bar?.stop()
        const token = newToken()
        const now = new Date()
        await insertSession(database.db, {
          tokenHash: hashToken(token),
          userId: seedUserId(1),
          now,
          expiresAt: new Date(now.getTime() + 30 * 24 * 3600 * 1000),
        })
        console.log(`seed: done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
        console.log(`seed: session token of seed-user-1@seed.test: ${token}`)
      } finally {
        await database.close()
      }
    })

  program
    .command('audit:export')
    .description(
      "Operator: an organization's audit events as NDJSON on stdout, oldest first (also once deleted)",
    )
    .requiredOption('--organization <id>', "the organization's ID (a UUID)")
    .option('--since <time>', 'from this ISO-8601 time (inclusive)', isoTime)
    .option('--until <time>', 'to this ISO-8601 time (exclusive)', isoTime)
    .action(async (options: { organization: string; since?: Date; until?: Date }) => {
      if (!UUID.test(options.organization)) {
        throw new UsageError('--organization must be an organization id (a UUID)')
      }
      const { exportOrganizationEvents } = await import('../../services/events/audit-log.service.ts')
      const { database } = await (await portico()).openMigratedDatabase(readConfig())
      try {
        const organizationId = options.organization.toLowerCase()
        const events = await exportOrganizationEvents(database.db, organizationId, options)
        if (!events) throw new Error(`no audit events are kept for organization ${options.organization}`)
        async function* lines() {
          for await (const event of events ?? []) yield `${JSON.stringify(event)}\n`
        }
        await pipeline(Readable.from(lines()), process.stdout)
      } finally {
        await database.close()
      }
    })

  program
    .command('openapi')
    .description(
      'The OpenAPI document the server serves, built in-process (nothing listens, nothing is kept)',
    )
    .argument('[file]', 'write it here (default: stdout)')
    .action(async (file?: string) => {
      const { openPGlite } = await import('../../store/database.ts')
      const { createLogger } = await import('../../http/logging.ts')
      const started = await (await portico()).startPortico(readConfig({}), {
        database: await openPGlite(undefined),
        logger: createLogger({ level: 'silent' }),
      })
      try {
        const text = `${JSON.stringify(started.app.swagger(), null, 2)}\n`
        if (file) await writeFile(file, text)
        else process.stdout.write(text)
      } finally {
        await started.close()
      }
    })
}
