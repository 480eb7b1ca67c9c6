// Bearer tokens from the configuration (GATEWAY_TOKEN, METRICS_TOKEN): a route's preHandler that
// refuses a caller without one of them, comparing digests in constant time so a wrong guess tells
// nothing about how close it was.
import { hash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { DomainError } from '../domain/errors.ts'

const digest = (text: string) => hash('sha256', text, 'buffer')

/**
 * 401 `unauthenticated` unless `Authorization: Bearer <one of tokens>`; with no tokens configured,
 * every caller is refused with `whenNone`. Callback style, not async: gateways call on every request.
 */
export function requireBearerToken(
  tokens: readonly string[],
  refusal: { whenNone: string; whenWrong: string },
) {
  const expected = tokens.map(digest)
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (expected.length === 0) return done(new DomainError('unauthenticated', refusal.whenNone))
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')
    const presented = digest(match?.[1] ?? '')
    let ok = false
    for (const token of expected) ok = timingSafeEqual(token, presented) || ok
    if (!ok) return done(new DomainError('unauthenticated', refusal.whenWrong))
    done()
  }
}
