// The connections gateways keep open to ask about each request. Every new connection of the HTTP
// server starts here: while it carries only the lean path's calls (GET /v1/gateway/authorize, and
// POST /v1/keys/verify with the gateway token; LeanGateway.claim decides), they are read and
// answered on the socket directly, without node:http's per-request objects; that is what lets a
// check cost little more than a bare node:http answer (docs/performance.md). At the first request
// of any other kind, or anything this reader does not take as plainly valid, the connection is
// handed to node:http for good, with that request's bytes unread: node:http (and Fastify behind it)
// then answers it and everything after it, exactly as if it had had the connection from the start.
//
// What is read here is a strict subset of HTTP/1.1: a request line `GET|POST <target> HTTP/1.1`,
// header lines `name: value` (a token, a colon, a value of visible characters, spaces and tabs),
// one of each name, a Host, no Transfer-Encoding, Expect or Upgrade, a Content-Length only on a
// verification, and CRLF line ends throughout. Anything else (obsolete line folding, a bare LF,
// duplicated headers, HTTP/1.0, a head over node:http's 16 KiB) goes to node:http, which answers or
// refuses it as it always has; so where a request ends is never decided differently here than there.
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import type { ConnectionMemo, LeanAnswer, LeanCall, LeanGateway } from './gateway.ts'

const HEAD_END = Buffer.from('\r\n\r\n')
/** node:http's default limit on a request's head. */
const MAX_HEAD_BYTES = 16 * 1024
/**
 * A whole head in one pass: the request line, then lines of a token, a colon and a value of visible
 * characters, spaces and tabs (no other control character, no CR or LF but the CRLF between lines).
 */
const HEAD =
  /^(GET|POST) (\/[\x21-\x7e]*) HTTP\/1\.1(?:\r\n[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*)*$/
const PREFIXES = ['GET /v1/gateway/authorize', 'POST /v1/keys/verify'].map((text) => Buffer.from(text))
const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
}

/** Whether `buffer` can still begin one of the lean calls' request lines. */
function mayBeLean(buffer: Buffer): boolean {
  return PREFIXES.some((prefix) => {
    const length = Math.min(prefix.length, buffer.length)
    return buffer.compare(prefix, 0, length, 0, length) === 0
  })
}

/** Whether a line in `buffer` ends with LF alone (its head would never end with CRLF CRLF). */
function hasBareLineFeed(buffer: Buffer): boolean {
  for (let at = buffer.indexOf(10); at !== -1; at = buffer.indexOf(10, at + 1)) {
    if (at === 0 || buffer[at - 1] !== 13) return true
  }
  return false
}

/** `text` from `start` to `end`, without the spaces and tabs around the value. */
function trimmed(text: string, start: number, end: number): string {
  let from = start
  let to = end
  while (from < to && (text.charCodeAt(from) === 32 || text.charCodeAt(from) === 9)) from++
  while (to > from && (text.charCodeAt(to - 1) === 32 || text.charCodeAt(to - 1) === 9)) to--
  return text.slice(from, to)
}

/** A request read whole: the call it is, and how many bytes it took. */
interface ReadRequest {
  call: LeanCall
  target: string
  headers: Record<string, string>
  body: string
  close: boolean
  bytes: number
}

/**
 * Reads the request at the start of `buffer`: the request when it is a lean call read whole,
 * 'more' when it may be one but is not all here yet, 'node' when node:http is to have it.
 */
function readRequest(
  buffer: Buffer,
  gateway: LeanGateway,
  memo: ConnectionMemo,
): ReadRequest | 'more' | 'node' {
  if (!mayBeLean(buffer)) return 'node'
  const end = buffer.indexOf(HEAD_END)
  if (end === -1) return buffer.length > MAX_HEAD_BYTES || hasBareLineFeed(buffer) ? 'node' : 'more'
  if (end > MAX_HEAD_BYTES) return 'node'
  const head = buffer.toString('latin1', 0, end)
  const valid = HEAD.exec(head)
  if (!valid) return 'node'
  const [, method = '', target = ''] = valid
  const headers: Record<string, string> = {}
  // HEAD has vouched for every line: a name, a colon, a value.
  for (let at = head.indexOf('\r\n'); at !== -1; ) {
    const next = head.indexOf('\r\n', at + 2)
    const lineEnd = next === -1 ? head.length : next
    const colon = head.indexOf(':', at + 2)
    const name = head.slice(at + 2, colon).toLowerCase()
    if (name in headers) return 'node'
    headers[name] = trimmed(head, colon + 1, lineEnd)
    at = next
  }
  if (
    headers.host === undefined ||
    headers['transfer-encoding'] !== undefined ||
    headers.expect !== undefined ||
    headers.upgrade !== undefined
  ) {
    return 'node'
  }
  const stated = headers['content-length']
  if (stated !== undefined && !/^[0-9]{1,9}$/.test(stated)) return 'node'
  const length = stated === undefined ? 0 : Number(stated)
  const connection = headers.connection?.toLowerCase()
  if (connection !== undefined && connection !== 'keep-alive' && connection !== 'close') return 'node'
  const call = gateway.claim(method, target, headers, length, memo)
  if (!call) return 'node'
  const bodyStart = end + HEAD_END.length
  if (buffer.length < bodyStart + length) return 'more'
  return {
    call,
    target,
    headers,
    body: length === 0 ? '' : buffer.toString('utf8', bodyStart, bodyStart + length),
    close: connection === 'close',
    bytes: bodyStart + length,
  }
}

/** node:http's Date header, made once a second. */
let dateText = ''
let dateSecond = -1
function httpDate(): string {
  const now = Date.now()
  const second = Math.floor(now / 1000)
  if (second !== dateSecond) {
    dateSecond = second
    dateText = new Date(now).toUTCString()
  }
  return dateText
}

/** The answer as bytes: node:http's status line and framing headers around the lean path's answer. */
function serialized(answer: LeanAnswer, close: boolean, keepAliveSeconds: number, length: number): string {
  // Every value is Portico's own (ids, numbers, fixed words, a sanitized request id): nothing a
  // client sent reaches a header unchecked, so no value can break a line.
  let head = `HTTP/1.1 ${answer.status} ${REASONS[answer.status] ?? 'Unknown'}\r\n`
  for (const name in answer.headers) head += `${name}: ${answer.headers[name]}\r\n`
  head += `Date: ${httpDate()}\r\n`
  head += close
    ? 'Connection: close\r\n'
    : `Connection: keep-alive\r\nKeep-Alive: timeout=${keepAliveSeconds}\r\n`
  return `${head}Content-Length: ${length}\r\n\r\n${answer.body}`
}

/** One connection while it is the lean path's. */
class GatewayConnection {
  readonly #socket: Socket
  readonly #gateway: LeanGateway
  readonly #handOff: (socket: Socket) => void
  readonly #forget: (connection: GatewayConnection) => void
  readonly #keepAliveMs: number
  readonly #headersTimeoutMs: number
  /** When the request not yet whole began to arrive (0: none is). */
  #partialSince = 0
  readonly #memo: ConnectionMemo = {}
  #buffer: Buffer = Buffer.alloc(0)
  /** An answer is being worked out (asynchronously): what follows waits, in order. */
  #busy = false
  #closing = false
  /** The client sent its last byte (a half-close; the server allows those, as node:http does). */
  #ended = false
  #done = false
  readonly #onData = (chunk: Buffer) => {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    this.#serve()
  }
  readonly #onDrain = () => {
    this.#socket.resume()
    this.#serve()
  }
  readonly #onEnd = () => {
    this.#ended = true
    this.#serve()
  }
  readonly #onTimeout = () => this.#socket.destroy()
  readonly #onError = () => this.#socket.destroy()
  readonly #onClose = () => this.#finish()
  /** What the lean path listens to on its socket: attached at the start, detached when it lets go. */
  readonly #listeners = [
    ['data', this.#onData],
    ['drain', this.#onDrain],
    ['end', this.#onEnd],
    ['timeout', this.#onTimeout],
    ['error', this.#onError],
    ['close', this.#onClose],
  ] as const

  constructor(
    socket: Socket,
    gateway: LeanGateway,
    options: {
      keepAliveMs: number
      headersTimeoutMs: number
      handOff: (socket: Socket) => void
      forget: (c: GatewayConnection) => void
    },
  ) {
    this.#socket = socket
    this.#gateway = gateway
    this.#handOff = options.handOff
    this.#forget = options.forget
    this.#keepAliveMs = options.keepAliveMs
    this.#headersTimeoutMs = options.headersTimeoutMs
    socket.setTimeout(this.#keepAliveMs)
    for (const [event, listener] of this.#listeners) socket.on(event, listener)
  }

  /** Closes the connection once the answer under way (if any) is written. */
  close(): void {
    this.#closing = true
    if (!this.#busy) this.#end()
  }

  /** Answers every whole request buffered, in order, until one must wait or is node:http's. */
  #serve(): void {
    while (!this.#busy && !this.#done && this.#buffer.length > 0) {
      if (this.#socket.writableNeedDrain) {
        this.#socket.pause()
        return
      }
      const read = readRequest(this.#buffer, this.#gateway, this.#memo)
      if (read === 'more') {
        // A request trickling in (each byte resetting the idle timeout) gets as long as
        // node:http gives a request's head (headersTimeout), then the connection is closed.
        const now = Date.now()
        if (this.#partialSince === 0) this.#partialSince = now
        else if (now - this.#partialSince > this.#headersTimeoutMs) this.#socket.destroy()
        break
      }
      this.#partialSince = 0
      if (read === 'node') {
        // After the client's last byte node:http would not answer it either (it aborts and ends).
        if (this.#ended) break
        this.#giveToNode()
        return
      }
      this.#buffer = this.#buffer.subarray(read.bytes)
      const answer = this.#gateway.answer({
        call: read.call,
        target: read.target,
        headers: read.headers,
        body: read.body,
        remoteAddress: this.#socket.remoteAddress,
        memo: this.#memo,
      })
      if (answer instanceof Promise) {
        this.#busy = true
        answer.then((settled) => {
          this.#busy = false
          this.#write(settled, read.close)
          this.#serve()
        })
        return
      }
      this.#write(answer, read.close)
    }
    if (this.#ended && !this.#busy && !this.#done) this.#end()
  }

  #write(answer: LeanAnswer, close: boolean): void {
    if (this.#done || this.#socket.destroyed) return
    const last = close || this.#closing
    const length = Buffer.byteLength(answer.body)
    const text = serialized(answer, last, Math.floor(this.#keepAliveMs / 1000), length)
    // The head is ASCII; so is a body whose UTF-8 length is its length in characters. Such an answer
    // goes out as latin1, the same bytes without an encoding pass (a sixth of the path's CPU).
    this.#socket.write(text, length === answer.body.length ? 'latin1' : 'utf8')
    if (last) this.#end()
  }

  /** Ends the connection once what was written has gone out. */
  #end(): void {
    this.#finish()
    // An error now (the client gone first) changes nothing: the socket is closing either way.
    this.#socket.on('error', () => {})
    this.#socket.end(() => this.#socket.destroy())
  }

  /** Hands the connection to node:http with the bytes not yet answered, as if it had always had it. */
  #giveToNode(): void {
    const socket = this.#socket
    const rest = this.#buffer
    this.#finish()
    socket.setTimeout(0)
    // node:http would otherwise read the socket's handle natively and miss the bytes put back.
    const handle = (socket as unknown as { _handle?: { _consumed?: boolean } })._handle
    if (handle) handle._consumed = true
    socket.unshift(rest)
    this.#handOff(socket)
  }

  /** Stops reading for the lean path: the socket is closing or node:http's now. */
  #finish(): void {
    if (this.#done) return
    this.#done = true
    this.#buffer = Buffer.alloc(0)
    for (const [event, listener] of this.#listeners) this.#socket.removeListener(event, listener)
    this.#forget(this)
  }
}

/**
 * Puts `gateway` in front of `server`'s own handling of new connections, and makes the server's
 * close also close the connections still here (node:http only closes the ones it has).
 */
export function serveGatewayConnections(server: Server, gateway: LeanGateway): void {
  const nodeListeners = server.listeners('connection') as ((socket: Socket) => void)[]
  const nodeConnection = nodeListeners[0]
  if (nodeListeners.length !== 1 || !nodeConnection) {
    throw new Error('serveGatewayConnections: expected node:http as the only connection listener')
  }
  server.removeListener('connection', nodeConnection)
  const open = new Set<GatewayConnection>()
  const handOff = (socket: Socket) => nodeConnection.call(server, socket)
  const forget = (connection: GatewayConnection) => open.delete(connection)
  server.on('connection', (socket: Socket) => {
    open.add(
      new GatewayConnection(socket, gateway, {
        keepAliveMs: server.keepAliveTimeout,
        headersTimeoutMs: server.headersTimeout,
        handOff,
        forget,
      }),
    )
  })
  const close = server.close.bind(server)
  server.close = ((callback?: (error?: Error) => void) => {
    close(callback)
    for (const connection of open) connection.close()
    return server
  }) as Server['close']
}
