// `npm run migrate`: applies pending migrations to the configured database and exits.
import { ConfigError, readConfig } from '../config.ts'
import { DatabaseUnavailableError, openDatabase } from '../store/database.ts'
import { migrateToLatest } from '../store/migrate.ts'

try {
  const config = readConfig()
  const database = await openDatabase(config)
  try {
    const applied = await database.direct((db) => migrateToLatest(db))
    console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'the database is up to date')
  } finally {
    await database.close()
  }
} catch (error) {
  if (error instanceof ConfigError) console.error(`portico: invalid configuration: ${error.message}`)
  else if (error instanceof DatabaseUnavailableError) console.error(`portico: ${error.message}`)
  else console.error('portico: migration failed:', error)
  process.exit(1)
}
