// Where a webhook may be delivered: an IP address is classified against the ranges API.md refuses
// (loopback, private, link-local, unique-local, multicast, unspecified, shared and reserved), in
// IPv4, IPv6, and the IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4).
// Pure: resolving names and connecting happen in services/webhooks/delivery-client.ts.

export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'reserved'

interface Ipv4Range {
  base: number
  bits: number
  class: Exclude<AddressClass, 'public'>
}

const ipv4 = (text: string, bits: number, kind: Ipv4Range['class']): Ipv4Range => ({
  base: parseIpv4(text) ?? 0,
  bits,
  class: kind,
})

// API.md: 0.0.0.0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.168/16,
// 198.18/15, 224/4, 240/4.
const refusedIpv4: readonly Ipv4Range[] = [
  ipv4('0.0.0.0', 8, 'unspecified'),
  ipv4('10.0.0.0', 8, 'private'),
  ipv4('100.64.0.0', 10, 'shared'),
  ipv4('127.0.0.0', 8, 'loopback'),
  ipv4('169.254.0.0', 16, 'link-local'),
  ipv4('172.16.0.0', 12, 'private'),
  ipv4('192.0.0.0', 24, 'reserved'),
  ipv4('192.168.0.0', 16, 'private'),
  ipv4('198.18.0.0', 15, 'reserved'),
  ipv4('224.0.0.0', 4, 'multicast'),
  ipv4('240.0.0.0', 4, 'reserved'),
]

/**
 * An IPv4 address as a 32-bit number, in every form `inet_aton` accepts (and so the URL parser and
 * many resolvers): dotted quads, fewer parts (`127.1`), decimal (`2130706433`), octal (`0177.0.0.1`)
 * and hexadecimal (`0x7f.0.0.1`) parts. Undefined when the text is not one.
 */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length === 0 || parts.length > 4) return undefined
  const values: number[] = []
  for (const part of parts) {
    let value: number
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16)
    else if (/^0[0-7]+$/.test(part)) value = Number.parseInt(part.slice(1), 8)
    else if (/^(0|[1-9][0-9]*)$/.test(part)) value = Number(part)
    else return undefined
    if (!Number.isSafeInteger(value)) return undefined
    values.push(value)
  }
  const last = values.length - 1
  let result = 0
  for (let index = 0; index < last; index++) {
    if ((values[index] ?? 0) > 255) return undefined
    result += (values[index] ?? 0) * 256 ** (3 - index)
  }
  const tail = values[last] ?? 0
  if (tail >= 256 ** (4 - last)) return undefined
  return result + tail
}

function classifyIpv4(address: number): AddressClass {
  for (const range of refusedIpv4) {
    const size = 2 ** (32 - range.bits)
    if (Math.floor(address / size) === Math.floor(range.base / size)) return range.class
  }
  return 'public'
}

/** An IPv6 address as 16 bytes; a zone (`%eth0`) is ignored. Undefined when the text is not one. */
export function parseIpv6(text: string): Uint8Array | undefined {
  let rest = text.replace(/^\[|\]$/g, '')
  const zone = rest.indexOf('%')
  if (zone >= 0) rest = rest.slice(0, zone)
  if (!/^[0-9a-f:.]+$/i.test(rest)) return undefined
  const bytes = new Uint8Array(16)
  let tailIpv4: number | undefined
  const lastColon = rest.lastIndexOf(':')
  if (rest.includes('.')) {
    tailIpv4 = parseStrictIpv4(rest.slice(lastColon + 1))
    if (tailIpv4 === undefined) return undefined
    rest = `${rest.slice(0, lastColon + 1)}0:0`
  }
  const halves = rest.split('::')
  if (halves.length > 2) return undefined
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':'))
  const head = groupsOf(halves[0] ?? '')
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : []
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]
  for (const [index, group] of groups.entries()) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined
    const value = Number.parseInt(group, 16)
    bytes[index * 2] = value >> 8
    bytes[index * 2 + 1] = value & 0xff
  }
  if (tailIpv4 !== undefined) {
    bytes[12] = (tailIpv4 >>> 24) & 0xff
    bytes[13] = (tailIpv4 >>> 16) & 0xff
    bytes[14] = (tailIpv4 >>> 8) & 0xff
    bytes[15] = tailIpv4 & 0xff
  }
  return bytes
}

/** Four decimal parts, as the tail of an IPv6 address must be. */
function parseStrictIpv4(text: string): number | undefined {
  return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(text)
    ? parseIpv4(text)
    : undefined
}

const startsWith = (bytes: Uint8Array, prefix: readonly number[]) => prefix.every((b, i) => bytes[i] === b)
const ipv4At = (bytes: Uint8Array, offset: number) =>
  (bytes[offset] ?? 0) * 2 ** 24 +
  (bytes[offset + 1] ?? 0) * 2 ** 16 +
  (bytes[offset + 2] ?? 0) * 256 +
  (bytes[offset + 3] ?? 0)

function classifyIpv6(bytes: Uint8Array): AddressClass {
  const zeroUpTo = (end: number) => bytes.subarray(0, end).every((b) => b === 0)
  if (zeroUpTo(16)) return 'unspecified'
  if (zeroUpTo(15) && bytes[15] === 1) return 'loopback'
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated) carry an IPv4 address.
  if (zeroUpTo(10) && bytes[10] === 0xff && bytes[11] === 0xff) return classifyIpv4(ipv4At(bytes, 12))
  if (zeroUpTo(12)) return classifyIpv4(ipv4At(bytes, 12))
  // NAT64: 64:ff9b::/96 (well-known) and 64:ff9b:1::/48 (local use) translate to the IPv4 inside.
  if (startsWith(bytes, [0x00, 0x64, 0xff, 0x9b])) return classifyIpv4(ipv4At(bytes, 12))
  // 6to4: 2002:AABB:CCDD::/48 reaches the IPv4 address AA.BB.CC.DD.
  if (startsWith(bytes, [0x20, 0x02])) {
    const inner = classifyIpv4(ipv4At(bytes, 2))
    if (inner !== 'public') return inner
  }
  const first = bytes[0] ?? 0
  if ((first & 0xfe) === 0xfc) return 'unique-local'
  if (first === 0xfe && ((bytes[1] ?? 0) & 0xc0) === 0x80) return 'link-local'
  if (first === 0xff) return 'multicast'
  return 'public'
}

/** The class of an IPv4 or IPv6 address; undefined when the text is neither. */
export function classifyAddress(text: string): AddressClass | undefined {
  if (text.includes(':')) {
    const bytes = parseIpv6(text)
    return bytes && classifyIpv6(bytes)
  }
  const address = parseIpv4(text)
  return address === undefined ? undefined : classifyIpv4(address)
}

/** True when the text is an IP address literal (IPv4 in any inet_aton form, or IPv6). */
export function isAddressLiteral(host: string): boolean {
  return classifyAddress(host) !== undefined
}
