// POSTs a webhook delivery without letting it reach where it must not (API.md "Webhooks"): the
// host is resolved once, every address it resolves to is checked (domain/network-addresses.ts),
// and the connection is made to the checked address by the same lookup, so DNS cannot answer
// differently between the check and the connect. Redirects are never followed; the whole attempt
// ends within the timeout (15 s).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import { classifyAddress } from '../../domain/network-addresses.ts'

export const DELIVERY_TIMEOUT_MS = 15_000

export class DestinationNotAllowed extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DestinationNotAllowed'
  }
}

export interface PostResult {
  statusCode: number
}

/** Why the address may not be connected to, or undefined when it may. */
function refusal(host: string, address: string): string | undefined {
  const kind = classifyAddress(address) ?? 'reserved'
  return kind === 'public'
    ? undefined
    : `${host} resolves to ${address} (${kind}), which webhooks may not reach`
}

/** Resolves `host` and answers its addresses, or a DestinationNotAllowed for a private one. */
export async function resolvePublicAddresses(host: string): Promise<LookupAddress[]> {
  const bare = host.replace(/^\[|\]$/g, '')
  if (classifyAddress(bare) !== undefined) {
    const problem = refusal(bare, bare)
    if (problem) throw new DestinationNotAllowed(problem)
    return [{ address: bare, family: bare.includes(':') ? 6 : 4 }]
  }
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(bare, { all: true, verbatim: true }, (error, found) =>
      error
        ? reject(new DestinationNotAllowed(`${bare} does not resolve (${error.code ?? error.message})`))
        : resolve(found),
    ),
  )
  if (addresses.length === 0) throw new DestinationNotAllowed(`${bare} does not resolve`)
  for (const { address } of addresses) {
    const problem = refusal(bare, address)
    if (problem) throw new DestinationNotAllowed(problem)
  }
  return addresses
}

/**
 * A lookup for the connection itself: it resolves, checks, and hands the socket the checked
 * address. Node calls it with `all: true` when it races IPv4 and IPv6 (autoSelectFamily).
 */
const checkedLookup: LookupFunction = (hostname, options, callback) => {
  resolvePublicAddresses(hostname).then(
    (addresses) => {
      const wanted = options.family === 4 || options.family === 6 ? options.family : undefined
      const usable = wanted ? addresses.filter((a) => a.family === wanted) : addresses
      if (usable.length === 0) {
        callback(new DestinationNotAllowed(`${hostname} has no IPv${wanted} address`), '', 4)
      } else if (options.all) {
        ;(callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable)
      } else {
        const first = usable[0] as LookupAddress
        callback(null, first.address, first.family)
      }
    },
    (error: Error) => callback(error as NodeJS.ErrnoException, '', 4),
  )
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
}

/**
 * POSTs `body` to `url` with `headers`; resolves with the status code (a redirect is a status like
 * any other: never followed), rejects on a refused destination, a network error or the timeout.
 */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { allowPrivate: boolean; timeoutMs?: number },
): Promise<PostResult> {
  const target = new URL(url)
  const secure = target.protocol === 'https:'
  if (!options.allowPrivate) {
    // An address literal never reaches lookup: check it here.
    const bare = target.hostname.replace(/^\[|\]$/g, '')
    if (classifyAddress(bare) !== undefined) await resolvePublicAddresses(bare)
  }
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS
  return new Promise<PostResult>((resolve, reject) => {
    const request = (secure ? https : http).request(
      target,
      {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'Portico-Webhooks/1',
          ...headers,
        },
        ...(options.allowPrivate ? {} : { lookup: checkedLookup }),
      },
      (response) => {
        // Only the status matters; the body is read and dropped so the connection can be reused.
        response.on('data', () => {})
        response.on('end', () => {
          clearTimeout(timer)
          resolve({ statusCode: response.statusCode ?? 0 })
        })
        response.on('error', (error) => {
          clearTimeout(timer)
          reject(error)
        })
      },
    )
    const timer = setTimeout(
      () => request.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    )
    request.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    request.end(body)
  })
}
