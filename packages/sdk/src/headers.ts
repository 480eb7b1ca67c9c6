// Reading one header from what a caller has at hand: a fetch `Headers`, or Node's
// `IncomingHttpHeaders`-like record (a repeated header as an array: its first value counts).
export type HeaderBag = Headers | Record<string, string | string[] | undefined>

export function headerOf(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined
  if (headers instanceof Headers) return headers.get(name) ?? undefined
  const value = headers[name] ?? headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}
