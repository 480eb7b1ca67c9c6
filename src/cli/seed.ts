// `npm run seed -- --users N --orgs M --members-per-org K --big-org B --audit-events E`: fills the configured
// database (DATABASE_URL, or PGlite in DATA_DIR) at scale and prints a session token for user 1
// (owner of the big organization, member of up to 1,000) for benchmarks.
import { parseArgs } from 'node:util'
import { hash } from '@node-rs/argon2'
import { ConfigError, readConfig } from '../config.ts'
import { hashToken, newToken } from '../domain/tokens.ts'
import { openDatabase } from '../store/database.ts'
import { migrateToLatest } from '../store/migrate.ts'
import { seed, seedUserId } from '../store/seed.ts'
import { insertSession } from '../store/sessions.repository.ts'

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '1000' },
    orgs: { type: 'string', default: '100' },
    'members-per-org': { type: 'string', default: '20' },
    'big-org': { type: 'string', default: '1000' },
    'audit-events': { type: 'string', default: '1000' },
  },
})
const number = (name: keyof typeof values) => {
  const parsed = Number(values[name])
  if (!Number.isInteger(parsed) || parsed < 0) throw new ConfigError(`--${name}`, 'must be a whole number')
  return parsed
}

try {
  const size = {
    users: number('users'),
    orgs: number('orgs'),
    membersPerOrg: number('members-per-org'),
    bigOrg: number('big-org'),
    auditEvents: number('audit-events'),
  }
  const database = await openDatabase(readConfig())
  try {
    await database.direct((db) => migrateToLatest(db))
    const started = performance.now()
    // Every seeded user shares this password: "seeded password".
    await seed(database.db, size, await hash('seeded password'), (line) => console.log(`seed: ${line}`))
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
} catch (error) {
  console.error(`portico: seed failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
