// Starts one Portico: opens the database, runs migrations, builds the services, starts the job
// dispatcher (mail, webhook deliveries, provider calls) and builds the app. server.ts, the tests, the benchmarks
// and the command line's operator commands (openMigratedDatabase) all start Portico through here.
import type { Logger } from 'pino'
import type { Config } from './config.ts'
import { buildApp } from './http/app.ts'
import type { App } from './http/app-instance.ts'
import { createLogger } from './http/logging.ts'
import { logTransport, type MailTransport, mailHandler, smtpTransport } from './mail/dispatcher.ts'
import { type Clock, systemClock } from './services/clock.ts'
import { KeyVerifier } from './services/credentials/key-verifier.ts'
import { developerJobHandlers } from './services/developers/developers.service.ts'
import { AuditChainer } from './services/events/audit-chain.ts'
import { AuditRetentionSweep } from './services/events/audit-retention.ts'
import { SessionCache } from './services/identity/session-cache.ts'
import { JobDispatcher } from './services/jobs/dispatcher.ts'
import { createServices } from './services/services.ts'
import { inTransaction } from './services/transaction.ts'
import { webhookDeliveryHandler } from './services/webhooks/delivery.handler.ts'
import { type Database, openDatabase } from './store/database.ts'
import { MAIL_JOB } from './store/mail-outbox.repository.ts'
import { migrateToLatest } from './store/migrate.ts'
import { WEBHOOK_JOB } from './store/webhooks.repository.ts'

export interface Portico {
  app: App
  database: Database
  /** The one job dispatcher: mail, webhook deliveries, provider calls. */
  dispatcher: JobDispatcher
  keyVerifier: KeyVerifier
  sessionCache: SessionCache
  auditRetention: AuditRetentionSweep
  /** Chains the events writes queue (services/events/audit-chain.ts). */
  auditChain: AuditChainer
  /** Stops taking requests, finishes those in flight, stops the dispatcher, closes the database. */
  close(): Promise<void>
}

export interface StartOptions {
  /** An already open database (tests); otherwise the one the config names. */
  database?: Database
  clock?: Clock
  logger?: Logger
  transport?: MailTransport
}

/**
 * What the operator commands (src/cli/) work on: the configured database, migrated as the server
 * migrates it, without the server, its caches or its job dispatcher (mail and deliveries queued
 * by a command are sent by the server's dispatcher).
 */
export async function openMigratedDatabase(
  config: Config,
  options: { database?: Database } = {},
): Promise<{ database: Database; migrations: string[] }> {
  const database = options.database ?? (await openDatabase(config))
  try {
    return { database, migrations: await database.direct((db) => migrateToLatest(db)) }
  } catch (error) {
    await database.close().catch(() => {})
    throw error
  }
}

export async function startPortico(config: Config, options: StartOptions = {}): Promise<Portico> {
  const logger = options.logger ?? createLogger()
  const clock = options.clock ?? systemClock
  const { database, migrations: applied } = await openMigratedDatabase(config, options)
  try {
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated')
    const transport =
      options.transport ??
      (config.smtpUrl ? smtpTransport(config.smtpUrl, config.mailFrom) : logTransport(logger))
    const keyVerifier = new KeyVerifier({ database, clock })
    await keyVerifier.start()
    const sessionCache = new SessionCache({ clock })
    await sessionCache.start(database)
    // The services wake the dispatcher, whose handlers use the services: tied once both exist.
    const outbox = { wake: () => {} }
    const auditChain = new AuditChainer({ db: database.db, logger })
    const services = createServices(config, {
      db: database.db,
      clock,
      outbox,
      auditChain,
      keyVerifier,
      sessionCache,
      announcements: { forgottenHere: (xact) => database.forgottenHere(xact) },
    })
    const dispatcher = new JobDispatcher({
      db: database.db,
      clock,
      logger,
      transact: (work) => inTransaction(services, work),
      callGroups: services.callGroups,
      handlers: {
        [MAIL_JOB]: mailHandler(transport),
        [WEBHOOK_JOB]: webhookDeliveryHandler(services),
        ...(services.providerPortal ? developerJobHandlers(services, services.providerPortal) : {}),
      },
    })
    outbox.wake = () => dispatcher.wake()
    const app = await buildApp({
      config,
      database,
      clock,
      services,
      keyVerifier,
      sessionCache,
      logger,
    })
    const auditRetention = new AuditRetentionSweep({
      deps: services,
      retentionDays: config.orgAuditRetentionDays,
      logger,
    })
    dispatcher.start()
    auditChain.start()
    auditRetention.start()
    return {
      app,
      database,
      dispatcher,
      keyVerifier,
      sessionCache,
      auditRetention,
      auditChain,
      close: async () => {
        await app.close()
        await dispatcher.stop()
        await auditChain.stop()
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
