// argon2id with @node-rs/argon2's defaults (19 MiB, 2 passes: OWASP's recommendation). Hashing
// runs on libuv's thread pool, so it bounds sign-in throughput, not the event loop.
import { hash, verify } from '@node-rs/argon2'

export function hashPassword(password: string): Promise<string> {
  return hash(password)
}

// Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
let decoyHash: Promise<string> | undefined

export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  if (passwordHash === undefined) {
    decoyHash ??= hash('portico-decoy-password')
    await verify(await decoyHash, password)
    return false
  }
  try {
    return await verify(passwordHash, password)
  } catch {
    return false
  }
}
