// Retries of answers that say "try again later" (429, 503), waiting what `Retry-After` asks, or
// backing off exponentially when it says nothing. Only idempotent methods are retried unless asked:
// a POST that timed out on the way back may have happened, and repeating it could do it twice.

export interface RetryOptions {
  /** Attempts after the first (default 2; 0 turns retries off). */
  retries?: number
  /** Retry POST and PATCH too (default false). */
  retryNonIdempotent?: boolean
  /** The longest wait; a `Retry-After` beyond it is not waited for (default 30 s). */
  maxDelayMs?: number
  /** The first backoff without `Retry-After`, doubled each attempt (default 500 ms). */
  baseDelayMs?: number
  /** How to wait (default: a timer). */
  sleep?: (ms: number) => Promise<void>
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])
const RETRIED_STATUSES = new Set([429, 503])

/** Milliseconds a `Retry-After` value (seconds or an HTTP date) asks for, if it is readable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

export function retryingFetch(
  fetchOnce: (request: Request) => Promise<Response>,
  options: RetryOptions = {},
): (request: Request) => Promise<Response> {
  const retries = options.retries ?? 2
  const maxDelayMs = options.maxDelayMs ?? 30_000
  const baseDelayMs = options.baseDelayMs ?? 500
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  return async (request) => {
    const retryable = retries > 0 && (options.retryNonIdempotent || IDEMPOTENT.has(request.method))
    for (let attempt = 0; ; attempt++) {
      const response = await fetchOnce(retryable ? request.clone() : request)
      if (!retryable || attempt >= retries || !RETRIED_STATUSES.has(response.status)) return response
      const asked = retryAfterMs(response.headers.get('retry-after'))
      // Full jitter: clients refused together do not come back together.
      const delay = asked ?? Math.random() * baseDelayMs * 2 ** attempt
      if (delay > maxDelayMs) return response
      await response.body?.cancel()
      await sleep(delay)
    }
  }
}
