// Headers every answer carries for the browser's protection (app.ts sets them in its onSend hook):
// - `X-Content-Type-Options: nosniff` always (an API answer is never to be sniffed as HTML);
// - `Strict-Transport-Security` when PUBLIC_URL is https (browsers then refuse plain http);
// - `Cache-Control: no-store` on the answers of routes whose config says `carriesSecret: true`:
//   a session token, an invitation token (in the path), a key or webhook secret, in either
//   direction. Any new route that answers or takes such a secret sets that one flag.
import type { FastifyReply, FastifyRequest } from 'fastify'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A session token, invitation token, key or webhook secret travels in this route's request
     * path or answer: no cache (browser, proxy, CDN) may keep the answer.
     */
    carriesSecret?: boolean
  }
}

export const HSTS = 'max-age=31536000; includeSubDomains'

/** Sets the headers of this module's rules on an answer about to be sent. */
export function securityHeaders(publicUrl: string) {
  const https = publicUrl.startsWith('https:')
  return (request: FastifyRequest, reply: FastifyReply): void => {
    reply.header('x-content-type-options', 'nosniff')
    if (https) reply.header('strict-transport-security', HSTS)
    if (request.routeOptions.config?.carriesSecret) reply.header('cache-control', 'no-store')
  }
}
