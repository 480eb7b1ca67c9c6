// Which API serves a request a gateway guards (API.md "Gateways"): an API serves
// `{basePath}/{version}` itself and every path under it; the longest match wins, on segment
// boundaries (`/pay/v1` serves `/pay/v1/x`, never `/pay/v10/x`). The path is matched without its
// query and after removing dot-segments (RFC 3986 §5.2.4).

/** Longer original URIs match nothing: no API path is this long, and it bounds the work. */
const MAX_PATH_LENGTH = 4096

/** The path an API serves. */
export function servedPath(api: { basePath: string; version: string }): string {
  return `${api.basePath.replace(/\/+$/, '')}/${api.version}`
}

/** RFC 3986 §5.2.4, remove_dot_segments. */
export function removeDotSegments(path: string): string {
  if (!path.includes('.')) return path
  let input = path
  const output: string[] = []
  while (input.length > 0) {
    if (input.startsWith('../')) input = input.slice(3)
    else if (input.startsWith('./')) input = input.slice(2)
    else if (input.startsWith('/./')) input = input.slice(2)
    else if (input === '/.') input = '/'
    else if (input.startsWith('/../') || input === '/..') {
      input = input === '/..' ? '/' : input.slice(3)
      output.pop()
    } else if (input === '.' || input === '..') input = ''
    else {
      const next = input.indexOf('/', input.startsWith('/') ? 1 : 0)
      const segment = next === -1 ? input : input.slice(0, next)
      output.push(segment)
      input = next === -1 ? '' : input.slice(next)
    }
  }
  return output.join('')
}

/** The path of an original request URI (`/pay/v1/x?y=1`, or absolute `https://host/pay/v1/x`), normalized; undefined when there is none. */
export function pathOfUri(uri: string | undefined): string | undefined {
  if (uri === undefined || uri === '' || uri.length > MAX_PATH_LENGTH) return undefined
  let path = uri
  const end = path.search(/[?#]/)
  if (end !== -1) path = path.slice(0, end)
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/.exec(path)
  if (scheme) path = path.slice(scheme[0].length) || '/'
  if (!path.startsWith('/')) return undefined
  return removeDotSegments(path)
}

/** The APIs an organization's gateways route to, by the path each serves. */
export class ApiPathIndex<A> {
  readonly #byPath = new Map<string, A>()

  constructor(apis: readonly (A & { basePath: string; version: string })[]) {
    for (const api of apis) this.#byPath.set(servedPath(api), api)
  }

  get size(): number {
    return this.#byPath.size
  }

  /** The API whose served path is the longest prefix of `path` on a segment boundary. */
  match(path: string | undefined): A | undefined {
    if (path === undefined || this.#byPath.size === 0) return undefined
    let candidate = path
    for (;;) {
      const api = this.#byPath.get(candidate)
      if (api !== undefined) return api
      const cut = candidate.lastIndexOf('/')
      if (cut <= 0) return undefined
      candidate = candidate.slice(0, cut)
    }
  }
}
