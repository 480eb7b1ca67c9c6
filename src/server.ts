// The process: reads the configuration, starts Portico, listens, and on SIGTERM or SIGINT stops
// accepting, finishes the requests in flight, closes the database and exits 0. Configuration and
// database problems end the process with one clear line, not a stack trace.
import { ConfigError, readConfig } from './config.ts'
import { createLogger } from './http/logging.ts'
import { startPortico } from './portico.ts'
import { DatabaseUnavailableError } from './store/database.ts'

async function main(): Promise<void> {
  const config = readConfig()
  const logger = createLogger()
  const portico = await startPortico(config, { logger })
  await portico.app.listen({ port: config.port, host: config.host })
  logger.info(
    {
      url: `http://${config.host}:${config.port}`,
      database: portico.database.kind,
      mail: config.smtpUrl ? 'smtp' : 'log',
    },
    'Portico is ready',
  )

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    try {
      await portico.close()
      process.exit(0)
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed')
      process.exit(1)
    }
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`portico: invalid configuration: ${error.message}`)
  } else if (error instanceof DatabaseUnavailableError) {
    console.error(`portico: ${error.message}`)
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`portico: cannot listen: ${(error as Error).message}`)
  } else {
    console.error('portico: failed to start:', error)
  }
  process.exit(1)
})
