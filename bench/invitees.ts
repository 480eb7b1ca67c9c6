// People to accept invitations in the write benchmarks (bench/run.ts, bench/write-cost.ts): users
// with verified emails and open sessions, made with SQL, since sign-up's argon2 is not what those
// benchmarks measure.
import pg from 'pg'
import { hashToken, newToken } from '../src/domain/tokens.ts'

export interface Invitee {
  email: string
  /** A session token of theirs. */
  token: string
  /** The invitation made for them, once a benchmark has made it. */
  invitationId?: string
}

export async function seedInvitees(databaseUrl: string, count: number): Promise<Invitee[]> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const stamp = Date.now()
  const invitees = Array.from({ length: count }, (_, i) => ({
    email: `invitee-${stamp}-${i}@bench.test`,
    token: newToken(),
  }))
  try {
    for (const invitee of invitees) {
      const { rows } = await client.query(
        `insert into users (email, name, password_hash, email_verified_at) values ($1, 'Invitee', 'x', now()) returning id`,
        [invitee.email],
      )
      await client.query(
        `insert into sessions (token_hash, user_id, last_seen_at, expires_at) values ($1, $2, now(), now() + interval '1 day')`,
        [hashToken(invitee.token), rows[0].id],
      )
    }
  } finally {
    await client.end()
  }
  return invitees
}
