// Small helpers for black-box calls through app.inject: JSON in, status and parsed body out.
import type { App } from '../../src/http/app-instance.ts'

export interface Answer {
  status: number
  headers: Record<string, string | string[] | number | undefined>
  // biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field in tests
  body: any
  text: string
}

export async function call(
  app: App,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; remoteAddress?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  if (options.body !== undefined) headers['content-type'] ??= 'application/json'
  const response = await app.inject({
    method,
    url,
    headers,
    remoteAddress: options.remoteAddress,
    payload:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  })
  let body: unknown
  try {
    body = response.body === '' ? undefined : JSON.parse(response.body)
  } catch {
    body = undefined
  }
  return { status: response.statusCode, headers: response.headers, body, text: response.body }
}

let counter = 0

/** A unique email per call, so tests never collide. */
export function uniqueEmail(label = 'user'): string {
  counter++
  return `${label}-${process.pid}-${counter}-${Date.now()}@example.com`
}

export const PASSWORD = 'correct horse battery'

/** A client address of its own (sign-ups are limited per client, and each person has their own). */
export function uniqueClientAddress(): string {
  counter++
  return `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${counter & 255}`
}

export async function signUp(app: App, overrides: { email?: string; name?: string; password?: string } = {}) {
  const email = overrides.email ?? uniqueEmail()
  const answer = await call(app, 'POST', '/v1/auth/sign-up', {
    body: { email, password: overrides.password ?? PASSWORD, name: overrides.name ?? 'Ada Lovelace' },
    remoteAddress: uniqueClientAddress(),
  })
  if (answer.status !== 201) throw new Error(`sign-up failed: ${answer.status} ${answer.text}`)
  return { user: answer.body.user, token: answer.body.token as string, email }
}
