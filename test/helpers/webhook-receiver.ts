// A real HTTP receiver of webhooks on a loopback port: it keeps every request it gets (path,
// headers, raw body) and answers as the test tells it, per path: a status, a redirect, or never
// (hanging until it is released or closed).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedWebhook {
  path: string
  headers: IncomingHttpHeaders
  body: string
  // biome-ignore lint/suspicious/noExplicitAny: deliveries are asserted field by field
  json: any
}

export type Behaviour = { status: number; location?: string } | 'hang'

export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string
  port: number
  received: ReceivedWebhook[]
  /** How to answer requests to `path` (default: 204). */
  answer(path: string, behaviour: Behaviour): void
  /** Answers every request left hanging with 200. */
  release(): void
  /** Resolves with the first request (not yet taken) to `path` matching `where`. */
  next(
    path: string,
    where?: (request: ReceivedWebhook) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedWebhook>
  close(): Promise<void>
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = []
  const taken = new Set<ReceivedWebhook>()
  const behaviours = new Map<string, Behaviour>()
  const hanging = new Set<ServerResponse>()
  const waiters = new Set<() => void>()
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      let json: unknown
      try {
        json = JSON.parse(body)
      } catch {}
      const path = request.url ?? '/'
      received.push({ path, headers: request.headers, body, json })
      for (const waiter of waiters) waiter()
      const behaviour = behaviours.get(path) ?? { status: 204 }
      if (behaviour === 'hang') {
        hanging.add(response)
        return
      }
      if (behaviour.location) response.setHeader('location', behaviour.location)
      response.statusCode = behaviour.status
      response.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    answer: (path, behaviour) => {
      behaviours.set(path, behaviour)
    },
    release: () => {
      for (const response of hanging) response.end()
      hanging.clear()
    },
    next: (path, where = () => true, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const look = () => {
          const found = received.find((r) => !taken.has(r) && r.path === path && where(r))
          if (!found) return false
          taken.add(found)
          waiters.delete(waiter)
          clearTimeout(timer)
          resolve(found)
          return true
        }
        const waiter = () => {
          look()
        }
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new Error(`no webhook to ${path} within ${timeoutMs} ms (got ${received.length} in all)`))
        }, timeoutMs)
        if (!look()) waiters.add(waiter)
      }),
    close: async () => {
      for (const response of hanging) response.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Polls `read` until `until` holds (for state a background job reaches); fails after `timeoutMs`. */
export async function eventually<T>(
  read: () => Promise<T>,
  until: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const started = Date.now()
  for (;;) {
    const value = await read()
    if (until(value)) return value
    if (Date.now() - started > timeoutMs)
      throw new Error(`condition not reached within ${timeoutMs} ms; last: ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
