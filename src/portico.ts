// Starts one Portico: opens the database, runs migrations, starts the mail dispatcher and builds
// the app. server.ts, the tests and the benchmarks all start Portico through here.
import type { Logger } from 'pino'
import type { Config } from './config.ts'
import { buildApp } from './http/app.ts'
import type { App } from './http/app-instance.ts'
import { createLogger } from './http/logging.ts'
import { logTransport, MailDispatcher, type MailTransport, smtpTransport } from './mail/dispatcher.ts'
import { type Clock, systemClock } from './services/clock.ts'
import { KeyVerifier } from './services/credentials/key-verifier.ts'
import { AuditRetentionSweep } from './services/events/audit-retention.ts'
import { SessionCache } from './services/identity/session-cache.ts'
import { type Database, openDatabase } from './store/database.ts'
import { migrateToLatest } from './store/migrate.ts'

export interface Portico {
  app: App
  database: Database
  dispatcher: MailDispatcher
  keyVerifier: KeyVerifier
  sessionCache: SessionCache
  auditRetention: AuditRetentionSweep
  /** Stops taking requests, finishes those in flight, stops the mailer, closes the database. */
  close(): Promise<void>
}

export interface StartOptions {
  /** An already open database (tests); otherwise the one the config names. */
  database?: Database
  clock?: Clock
  logger?: Logger
  transport?: MailTransport
}

export async function startPortico(config: Config, options: StartOptions = {}): Promise<Portico> {
  const logger = options.logger ?? createLogger()
  const clock = options.clock ?? systemClock
  const database = options.database ?? (await openDatabase(config))
  try {
    const applied = await database.direct((db) => migrateToLatest(db))
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated')
    const transport =
      options.transport ??
      (config.smtpUrl ? smtpTransport(config.smtpUrl, config.mailFrom) : logTransport(logger))
    const dispatcher = new MailDispatcher({ db: database.db, clock, transport, logger })
    const keyVerifier = new KeyVerifier({ database, clock })
    await keyVerifier.start()
    const sessionCache = new SessionCache({ clock })
    await sessionCache.start(database)
    const app = await buildApp({
      config,
      database,
      clock,
      mailer: dispatcher,
      keyVerifier,
      sessionCache,
      logger,
    })
    const auditRetention = new AuditRetentionSweep({
      deps: { db: database.db, clock, sessionCache, keyCache: keyVerifier },
      retentionDays: config.orgAuditRetentionDays,
      logger,
    })
    dispatcher.start()
    auditRetention.start()
    return {
      app,
      database,
      dispatcher,
      keyVerifier,
      sessionCache,
      auditRetention,
      close: async () => {
        await app.close()
        await dispatcher.stop()
        await auditRetention.stop()
        await keyVerifier.stop()
        await sessionCache.stop()
        await database.close()
      },
    }
  } catch (error) {
    await database.close().catch(() => {})
    throw error
  }
}
