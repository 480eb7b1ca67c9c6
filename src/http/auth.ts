// Who is calling. Every route under /v1/ needs a session unless its config says `public: true`:
// the token comes from `Authorization: Bearer` or, for the console, the session cookie. A write
// authenticated by the cookie must show it comes from our own origin (CSRF: see isOwnOrigin); a
// bearer token cannot be sent by a foreign page, so bearer calls need no such check.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { DomainError } from '../domain/errors.ts'
import type { Actor } from '../services/access.ts'
import type { ServiceDependencies } from '../services/dependencies.ts'
import { authenticate, SESSION_TTL_MS } from '../services/identity/identity.service.ts'

export const SESSION_COOKIE = 'portico_session'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No session needed. */
    public?: boolean
  }
  interface FastifyRequest {
    actor: Actor | null
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (!header) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1] ?? ''
}

/**
 * Did this request come from a page of our own origin? A browser sends `Origin` on every write
 * it makes (fetch and forms alike) except in old or odd cases, where `Referer` or Fetch
 * Metadata's `Sec-Fetch-Site` still tell: a same-origin `Origin` decides; without one, a
 * same-origin `Referer` or `Sec-Fetch-Site: same-origin` will do, unless the other one points
 * elsewhere. A request that tells nothing at all is refused: it can only be a non-browser
 * client with a cookie, and those send `Authorization: Bearer` instead.
 */
function isOwnOrigin(request: FastifyRequest, publicUrl: string): boolean {
  const ours = (origin: string) =>
    origin === new URL(publicUrl).origin || origin === `${request.protocol}://${request.host}`
  const origin = request.headers.origin
  if (origin !== undefined) return ours(origin)
  const referer = request.headers.referer
  const site = request.headers['sec-fetch-site']
  const refererIsOurs = referer !== undefined && URL.canParse(referer) && ours(new URL(referer).origin)
  if (referer !== undefined && !refererIsOurs) return false
  if (site !== undefined && site !== 'same-origin') return false
  return refererIsOurs || site === 'same-origin'
}

export function sessionCookieOptions(publicUrl: string) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: publicUrl.startsWith('https:'),
    path: '/',
    maxAge: SESSION_TTL_MS / 1000,
  }
}

export function setSessionCookie(reply: FastifyReply, token: string, publicUrl: string): void {
  reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(publicUrl))
}

export function clearSessionCookie(reply: FastifyReply, publicUrl: string): void {
  reply.clearCookie(SESSION_COOKIE, { ...sessionCookieOptions(publicUrl), maxAge: 0 })
}

/**
 * Sets the request id header and resolves the caller. Callback style, not async: it runs on every
 * request, and a caller found in the session cache is resolved without a promise.
 */
export function authenticationHook(deps: ServiceDependencies) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    reply.header('x-request-id', request.id)
    request.actor = null
    const url = request.routeOptions.url
    if (url === undefined || !url.startsWith('/v1/') || request.routeOptions.config.public) {
      done()
      return
    }
    const bearer = bearerToken(request)
    const token = bearer ?? request.cookies[SESSION_COOKIE]
    const admit = (actor: Actor | undefined) => {
      if (!actor) {
        done(new DomainError('unauthenticated', 'sign in first: send a valid session token'))
      } else if (
        bearer === undefined &&
        !SAFE_METHODS.has(request.method) &&
        !isOwnOrigin(request, deps.publicUrl)
      ) {
        done(new DomainError('forbidden', 'a cookie-authenticated write must come from the console itself'))
      } else {
        request.actor = actor
        done()
      }
    }
    // The organization a path names ({org}) is resolved with the session.
    const organizationRef = (request.params as { org?: string } | undefined)?.org
    const found = token ? authenticate(deps, token, { organizationRef, requestId: request.id }) : undefined
    if (found instanceof Promise) found.then(admit, done)
    else admit(found)
  }
}

/** The signed-in actor of a route that requires one (the hook has refused the others). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new DomainError('unauthenticated', 'sign in first: send a valid session token')
  return request.actor
}
