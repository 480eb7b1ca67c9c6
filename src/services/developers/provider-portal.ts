// The provider portal that holds each organization's developer identity (API.md "The developer
// identity"). API7's Developer Portal API: `POST {base}/api/developers {"developer_id"}` creates
// one (409: it is already there), `DELETE {base}/api/developers/{id}` deletes one (404: already
// gone), both with `Authorization: Bearer PROVIDER_PORTAL_TOKEN`. Every call ends within 10 s.

export const PROVIDER_TIMEOUT_MS = 10_000

export interface ProviderPortal {
  /** What GET …/developer answers as `provider`. */
  readonly name: 'api7'
  /** Resolves once the developer exists; rejects with what went wrong. */
  createDeveloper(developerId: string): Promise<void>
  /** Resolves once the developer is gone (also when it never was). */
  deleteDeveloper(developerId: string): Promise<void>
}

export class ProviderRefused extends Error {
  readonly statusCode: number | null
  constructor(message: string, statusCode: number | null) {
    super(message)
    this.name = 'ProviderRefused'
    this.statusCode = statusCode
  }
}

async function call(
  method: 'POST' | 'DELETE',
  url: string,
  token: string,
  body: unknown,
  timeoutMs: number,
): Promise<number> {
  let response: Response
  try {
    response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${Math.round(timeoutMs / 1000)} s`
        : (cause?.message ?? (error as Error).message)
    throw new ProviderRefused(`the provider portal could not be reached: ${reason}`, null)
  }
  await response.body?.cancel().catch(() => {})
  return response.status
}

export function api7Portal(options: { baseUrl: string; token: string; timeoutMs?: number }): ProviderPortal {
  const base = options.baseUrl.replace(/\/+$/, '')
  const timeoutMs = options.timeoutMs ?? PROVIDER_TIMEOUT_MS
  return {
    name: 'api7',
    createDeveloper: async (developerId) => {
      const status = await call(
        'POST',
        `${base}/api/developers`,
        options.token,
        { developer_id: developerId },
        timeoutMs,
      )
      if ((status >= 200 && status < 300) || status === 409) return
      throw new ProviderRefused(`the provider portal answered ${status} to creating the developer`, status)
    },
    deleteDeveloper: async (developerId) => {
      const status = await call(
        'DELETE',
        `${base}/api/developers/${encodeURIComponent(developerId)}`,
        options.token,
        undefined,
        timeoutMs,
      )
      if ((status >= 200 && status < 300) || status === 404) return
      throw new ProviderRefused(`the provider portal answered ${status} to deleting the developer`, status)
    },
  }
}
