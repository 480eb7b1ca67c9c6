// Starts a whole Portico for a test: a fresh database (PGlite or PostgreSQL), migrations, a real SMTP
// transport when a mail catcher is given, a test clock, and a log captured line by line so tests
// can check what never reaches it.
import { Writable } from 'node:stream'
import { type Config, readConfig } from '../../src/config.ts'
import { createLogger } from '../../src/http/logging.ts'
import { smtpTransport } from '../../src/mail/dispatcher.ts'
import { type Portico, startPortico } from '../../src/portico.ts'
import { TestClock } from './clock.ts'
import { type DatabaseName, openTestDatabase, type TestDatabase } from './databases.ts'
import type { MailCatcher } from './mail-catcher.ts'

export const PUBLIC_URL = 'http://portico.test'

export interface TestPortico extends Portico {
  clock: TestClock
  config: Config
  database: TestDatabase
  /** Every log line written so far. */
  logs: string[]
}

export async function startTestPortico(
  databaseName: DatabaseName,
  options: {
    env?: Record<string, string>
    mail?: MailCatcher
    clock?: TestClock
    /** The logger's level (LOG_LEVEL); info unless given. */
    logLevel?: string
  } = {},
): Promise<TestPortico> {
  const config = readConfig({
    PUBLIC_URL,
    ...options.env,
    ...(options.mail ? { SMTP_URL: options.mail.url } : {}),
  })
  const clock = options.clock ?? new TestClock()
  const logs: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk))
      done()
    },
  })
  const database = await openTestDatabase(databaseName)
  const portico = await startPortico(config, {
    database,
    clock,
    logger: createLogger({ level: options.logLevel ?? 'info', stream }),
    transport: options.mail ? smtpTransport(options.mail.url, config.mailFrom) : undefined,
  })
  return { ...portico, database, clock, config, logs }
}
