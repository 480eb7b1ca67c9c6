// `npm run audit:export -- --organization <id> [--since <time>] [--until <time>]`: writes the
// organization's audit events to stdout as NDJSON, oldest first, one AuditEvent a line — also for
// an organization that was deleted (whose events no one can read through the API any more). It
// calls the same service code as GET …/audit-events/export, so it streams in constant memory.
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { ConfigError, readConfig } from '../config.ts'
import { exportOrganizationEvents } from '../services/events/audit-log.service.ts'
import { DatabaseUnavailableError, openDatabase } from '../store/database.ts'

const usage = 'usage: npm run audit:export -- --organization <id> [--since <ISO time>] [--until <ISO time>]'

function timeOption(name: string, raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined
  const time = new Date(raw)
  if (Number.isNaN(time.getTime())) throw new UsageError(`--${name} must be an ISO-8601 time (got "${raw}")`)
  return time
}

class UsageError extends Error {}

try {
  const { values } = parseArgs({
    options: { organization: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' } },
  })
  const organizationId = values.organization ?? ''
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(organizationId)) {
    throw new UsageError(`--organization must be an organization id (a UUID)\n${usage}`)
  }
  const range = { since: timeOption('since', values.since), until: timeOption('until', values.until) }
  const database = await openDatabase(readConfig())
  try {
    const events = await exportOrganizationEvents(database.db, organizationId.toLowerCase(), range)
    if (!events) throw new UsageError(`no audit events are kept for organization ${organizationId}`)
    async function* lines() {
      for await (const event of events ?? []) yield `${JSON.stringify(event)}\n`
    }
    await pipeline(Readable.from(lines()), process.stdout)
  } finally {
    await database.close()
  }
} catch (error) {
  if (error instanceof UsageError) console.error(`portico: ${error.message}`)
  else if (error instanceof ConfigError) console.error(`portico: invalid configuration: ${error.message}`)
  else if (error instanceof DatabaseUnavailableError) console.error(`portico: ${error.message}`)
  else if (error instanceof Error && 'code' in error && error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    console.error(`portico: ${error.message}\n${usage}`)
  else console.error('portico: audit export failed:', error)
  process.exit(1)
}
