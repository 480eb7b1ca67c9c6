// The console (web/, built into web/dist by `npm run build`, which `npm ci` and `npm start` run
// when needed). Its assets are served with immutable caching (their names carry a content hash);
// every other GET outside the API answers the console's page, so its client-side routes load
// directly (history-API fallback). The page forbids framing and anything not from this origin.
// No source maps are served.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import { DomainError } from '../../domain/errors.ts'
import type { App } from '../app-instance.ts'

const dist = fileURLToPath(new URL('../../../web/dist/', import.meta.url))
const API_PREFIXES = ['/v1/', '/docs', '/openapi.json', '/metrics', '/healthz', '/readyz']

export async function registerConsoleRoutes(app: App) {
  const indexPath = join(dist, 'index.html')
  const page = existsSync(indexPath)
    ? readFileSync(indexPath, 'utf8')
    : '<!doctype html><title>Portico</title><p>The console is not built: run <code>npm run build</code>.</p>'
  if (existsSync(join(dist, 'assets'))) {
    await app.register(fastifyStatic, {
      root: join(dist, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      immutable: true,
      maxAge: '365d',
      // Source maps are not built (web/vite.config.ts); one left in dist by an older build is
      // not served either: they would show anyone the server code the console imports.
      allowedPath: (pathName) => !pathName.endsWith('.map'),
    })
  }
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/'
    if (API_PREFIXES.some((prefix) => path.startsWith(prefix))) {
      throw new DomainError('not_found', `no route for ${request.method} ${path}`)
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-frame-options', 'DENY')
      .header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      )
      .send(page)
  })
}
