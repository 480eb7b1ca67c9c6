// Factories for portal tests: a published API, an application subscribed to it, a key.
import type { App } from '../../src/http/app-instance.ts'
import { call } from './http.ts'

let counter = 0

export async function must(answer: Promise<{ status: number; body: unknown; text: string }>, status: number) {
  const result = await answer
  if (result.status !== status) throw new Error(`expected ${status}, got ${result.status}: ${result.text}`)
  // biome-ignore lint/suspicious/noExplicitAny: factories hand back answers to read field by field
  return result.body as any
}

export async function draftApi(
  app: App,
  token: string,
  organizationId: string,
  name = 'Payments',
  basePath?: string,
) {
  counter++
  return must(
    call(app, 'POST', `/v1/organizations/${organizationId}/apis`, {
      token,
      body: {
        name: basePath ? name : `${name} ${counter}`,
        version: 'v1',
        basePath: basePath ?? `/payments-${counter}`,
      },
    }),
    201,
  )
}

export async function publishedApi(app: App, token: string, organizationId: string, name = 'Payments') {
  const api = await draftApi(app, token, organizationId, name)
  return must(call(app, 'POST', `/v1/organizations/${organizationId}/apis/${api.id}/publish`, { token }), 200)
}

export async function subscribe(
  app: App,
  token: string,
  organizationId: string,
  applicationId: string,
  apiId: string,
) {
  return must(
    call(app, 'POST', `/v1/organizations/${organizationId}/applications/${applicationId}/subscriptions`, {
      token,
      body: { apiId },
    }),
    201,
  )
}

export async function application(app: App, token: string, organizationId: string, name = 'Shop') {
  counter++
  return must(
    call(app, 'POST', `/v1/organizations/${organizationId}/applications`, {
      token,
      body: { name: `${name} ${counter}` },
    }),
    201,
  )
}

export async function apiKey(
  app: App,
  token: string,
  organizationId: string,
  applicationId: string,
  environment = 'production',
) {
  return must(
    call(app, 'POST', `/v1/organizations/${organizationId}/applications/${applicationId}/keys`, {
      token,
      body: { environment },
    }),
    201,
  )
}
