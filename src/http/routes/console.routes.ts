// The console's page. Until the React console is built (web/), a static page says what runs here.
import { readFileSync } from 'node:fs'
import type { App } from '../app-instance.ts'

const page = readFileSync(new URL('../../../web/index.html', import.meta.url), 'utf8')

export function registerConsoleRoutes(app: App) {
  app.get('/', { schema: { hide: true } }, async (_, reply) =>
    reply.type('text/html; charset=utf-8').send(page),
  )
}
