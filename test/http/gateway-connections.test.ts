// Gateways' connections (src/http/gateway-connections.ts): the checks read and answered on the
// socket, and every other request handed to node:http with its bytes unread. Raw TCP, byte for byte,
// since what is under test is where requests begin and end: pipelined calls answered in order, a
// request split anywhere read the same, anything not plainly valid answered exactly as node:http
// answers it on a connection it has had from the start, half-closes and closes honoured.
import { connect, type Socket } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { createOrganization, type Person } from '../helpers/organizations.ts'
import { apiKey, application, must, publishedApi } from '../helpers/portal.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

const GATEWAY_TOKEN = 'gateway-token-for-connection-tests'

interface Answer {
  status: number
  headers: Record<string, string>
  body: string
}

/** Reads HTTP/1.1 answers off `socket` as they come (Content-Length framing, as Portico answers). */
class AnswerReader {
  readonly answers: Answer[] = []
  closed = false
  #buffer = Buffer.alloc(0)
  #waiters: (() => void)[] = []

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk])
      this.#parse()
    })
    socket.on('close', () => {
      this.closed = true
      this.#wake()
    })
    socket.on('error', () => {})
  }

  #parse(): void {
    for (;;) {
      const end = this.#buffer.indexOf('\r\n\r\n')
      if (end === -1) return
      const [statusLine = '', ...lines] = this.#buffer.toString('latin1', 0, end).split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
      }
      const length = Number(headers['content-length'] ?? 0)
      if (this.#buffer.length < end + 4 + length) return
      const body = this.#buffer.toString('utf8', end + 4, end + 4 + length)
      this.#buffer = this.#buffer.subarray(end + 4 + length)
      this.answers.push({ status: Number(statusLine.split(' ')[1]), headers, body })
      this.#wake()
    }
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake()
  }

  /** Waits for `count` answers (or the connection's close). */
  async take(count: number): Promise<Answer[]> {
    const deadline = Date.now() + 10_000
    while (this.answers.length < count && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve)
        setTimeout(resolve, 100)
      })
    }
    return this.answers.slice(0, count)
  }
}

describe.each(databases)('gateways’ connections on %s', (databaseName) => {
  let portico: TestPortico
  let port: number
  let setup: { key: string; path: string; apiId: string }
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, {
      env: { ORG_CREATION_LIMIT: '0', GATEWAY_TOKEN, RATE_LIMIT: 'off' },
      logLevel: 'warn',
    })
    await portico.app.listen({ port: 0, host: '127.0.0.1' })
    port = (portico.app.server.address() as { port: number }).port
    const app = portico.app
    const owner = (await signUp(app)) as Person
    const org = await createOrganization(app, owner, 'Wire Org')
    const api = await publishedApi(app, owner.token, org.id)
    const shop = await application(app, owner.token, org.id)
    await must(
      call(app, 'POST', `/v1/organizations/${org.id}/applications/${shop.id}/subscriptions`, {
        token: owner.token,
        body: { apiId: api.id },
      }),
      201,
    )
    const key = await apiKey(app, owner.token, org.id, shop.id)
    setup = { key: key.secret, path: `${api.basePath}/${api.version}`, apiId: api.id }
  })
  afterAll(async () => {
    await portico?.close()
  })

  const open = async (): Promise<{ socket: Socket; reader: AnswerReader }> => {
    const socket = connect(port, '127.0.0.1')
    socket.setNoDelay(true)
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
    return { socket, reader: new AnswerReader(socket) }
  }
  const check = (key: string, extra = '') =>
    `GET /v1/gateway/authorize HTTP/1.1\r\nHost: portico\r\nX-Gateway-Token: ${GATEWAY_TOKEN}\r\n` +
    `X-API-Key: ${key}\r\nX-Original-URI: ${setup.path}/orders/7\r\n${extra}\r\n`
  const verification = (body: string) =>
    `POST /v1/keys/verify HTTP/1.1\r\nHost: portico\r\nAuthorization: Bearer ${GATEWAY_TOKEN}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  const healthz = 'GET /healthz HTTP/1.1\r\nHost: portico\r\n\r\n'
  /** What matters of an answer for comparing two: status, body and the headers that carry meaning. */
  const essence = ({ status, headers, body }: Answer) => ({
    status,
    body: body.replace(/"(requestId|instance)":"[^"]*"/g, ''),
    code: headers['x-portico-code'],
    key: headers['x-portico-key-id'],
  })

  it('answers pipelined checks in order, then hands the connection to node:http at the first other request', async () => {
    const { socket, reader } = await open()
    socket.write(
      check(setup.key) +
        check('portico_production_unknownunknownunknownunknownunkn') +
        verification(JSON.stringify({ key: setup.key, apiId: setup.apiId })) +
        healthz +
        check(setup.key),
    )
    const answers = await reader.take(5)
    expect(answers.map((answer) => answer.status)).toEqual([200, 401, 200, 200, 200])
    const [allowed, unknown, verified, health, afterHandOff] = answers as Answer[]
    expect([allowed?.body, allowed?.headers['content-length'], allowed?.headers.connection]).toEqual([
      '',
      '0',
      'keep-alive',
    ])
    expect(allowed?.headers['x-portico-api-id']).toBe(setup.apiId)
    expect([unknown?.headers['x-portico-code'], unknown?.headers['content-type']]).toEqual([
      'unknown',
      'application/problem+json; charset=utf-8',
    ])
    expect(JSON.parse(verified?.body ?? '')).toMatchObject({ valid: true, apiId: setup.apiId })
    expect(JSON.parse(health?.body ?? '')).toEqual({ status: 'ok' })
    // node:http (Fastify's route) answers the same check the same way.
    expect(essence(afterHandOff as Answer)).toEqual(essence(allowed as Answer))
    expect(afterHandOff?.headers['x-portico-organization-id']).toBe(
      allowed?.headers['x-portico-organization-id'],
    )
    socket.destroy()
  })

  it('reads the same requests the same way however the bytes are split', async () => {
    const requests = [
      check(setup.key),
      verification(JSON.stringify({ key: setup.key })),
      check('not-a-key'),
      healthz,
      check(setup.key),
    ].join('')
    const { socket: whole, reader: wholeReader } = await open()
    whole.write(requests)
    const expected = (await wholeReader.take(5)).map(essence)
    whole.destroy()
    expect(expected.map((answer) => answer.status)).toEqual([200, 200, 401, 200, 200])
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: requests.length - 1 }), { maxLength: 12 }),
        async (cuts) => {
          const { socket, reader } = await open()
          let from = 0
          for (const cut of [...cuts].sort((a, b) => a - b)) {
            socket.write(requests.slice(from, cut))
            from = cut
            await new Promise((resolve) => setTimeout(resolve, 2))
          }
          socket.write(requests.slice(from))
          const answers = (await reader.take(5)).map(essence)
          socket.destroy()
          expect(answers).toEqual(expected)
        },
      ),
      { numRuns: 25 },
    )
  })

  it('leaves whatever it does not read as plainly valid to node:http, which answers it as it would have anyway', async () => {
    const cases: Record<string, string> = {
      'obsolete line folding': check(setup.key, 'X-Folded: a\r\n b\r\n'),
      'bare LF line ends': check(setup.key).replaceAll('\r\n', '\n'),
      'a bare CR in a value': check(setup.key, 'X-Odd: a\rb\r\n'),
      'a duplicated key header': check(setup.key, `X-API-Key: ${setup.key}\r\n`),
      'HTTP/1.0': check(setup.key).replace('HTTP/1.1', 'HTTP/1.0'),
      'no Host': check(setup.key).replace('Host: portico\r\n', ''),
      'Transfer-Encoding on a check': `${check(setup.key, 'Transfer-Encoding: chunked\r\n')}0\r\n\r\n`,
      'a body on a check': `${check(setup.key, 'Content-Length: 2\r\n')}{}`,
      'an absolute target': check(setup.key).replace(
        'GET /v1/gateway/authorize',
        'GET http://portico/v1/gateway/authorize',
      ),
      'a space before the colon': check(setup.key, 'X-Spaced : 1\r\n'),
      'a control character': check(setup.key, 'X-Control: a\u0001b\r\n'),
      'a head over 16 KiB': check(setup.key, `X-Big: ${'a'.repeat(17 * 1024)}\r\n`),
      'Expect: 100-continue on a verification': verification('{}').replace(
        'Content-Type',
        'Expect: 100-continue\r\nContent-Type',
      ),
      'a verification without the gateway token': verification(JSON.stringify({ key: setup.key })).replace(
        GATEWAY_TOKEN,
        'wrong',
      ),
      'a verification over 8 KiB': verification(JSON.stringify({ key: setup.key, pad: 'x'.repeat(9000) })),
      'a verification that is not JSON': verification('{"key": ').replace('application/json', 'text/plain'),
    }
    for (const [name, request] of Object.entries(cases)) {
      // The same bytes on a connection node:http already has (a /healthz first hands it over).
      const { socket: reference, reader: referenceReader } = await open()
      reference.write(healthz)
      await referenceReader.take(1)
      reference.write(request)
      const [, expected] = await referenceReader.take(2)
      reference.destroy()
      const { socket, reader } = await open()
      socket.write(request)
      const [answer] = await reader.take(1)
      socket.destroy()
      expect(expected, name).toBeDefined()
      expect(answer && essence(answer), name).toEqual(expected && essence(expected))
    }
  })

  it('answers a body beyond ASCII in UTF-8, its Content-Length in bytes, as Fastify answers it', async () => {
    const body = JSON.stringify({ key: setup.key, ключ: 1 })
    const { socket, reader } = await open()
    socket.write(verification(body))
    const [answer] = await reader.take(1)
    socket.destroy()
    const fastify = await portico.app.inject({
      method: 'POST',
      url: '/v1/keys/verify',
      headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, 'content-type': 'application/json' },
      payload: body,
    })
    expect([answer?.status, answer?.body]).toEqual([400, fastify.body])
    expect(answer?.body).toContain('/ключ')
    expect(Number(answer?.headers['content-length'])).toBe(Buffer.byteLength(fastify.body))
  })

  it('keeps a token it accepted on the connection to that token: another one is still refused', async () => {
    const { socket, reader } = await open()
    socket.write(check(setup.key))
    socket.write(check(setup.key).replace(GATEWAY_TOKEN, `${GATEWAY_TOKEN}x`))
    socket.write(check(setup.key).replace(`X-Gateway-Token: ${GATEWAY_TOKEN}\r\n`, ''))
    const answers = await reader.take(3)
    expect(answers.map((answer) => [answer.status, answer.headers['x-portico-code']])).toEqual([
      [200, undefined],
      [401, 'unauthenticated'],
      [401, 'unauthenticated'],
    ])
    socket.destroy()
  })

  it('answers Connection: close and then closes; after a half-close, answers what came and closes', async () => {
    const { socket, reader } = await open()
    socket.write(check(setup.key, 'Connection: close\r\n') + check(setup.key))
    const answers = await reader.take(2)
    expect(answers.map((answer) => [answer.status, answer.headers.connection])).toEqual([[200, 'close']])
    expect(reader.closed).toBe(true)

    const halfClosed = await open()
    halfClosed.socket.end(check(setup.key) + check(setup.key))
    const both = await halfClosed.reader.take(3)
    expect(both.map((answer) => answer.status)).toEqual([200, 200])
    expect(halfClosed.reader.closed).toBe(true)
  })

  it('closes a connection whose request trickles in for longer than the head timeout', async () => {
    const before = portico.app.server.headersTimeout
    portico.app.server.headersTimeout = 300
    try {
      const { socket, reader } = await open()
      socket.write('GET /v1/gateway/authorize HTTP/1.1\r\nHost: portico\r\n')
      // A header line every 50 ms: never idle for the keep-alive timeout, never a whole head.
      for (let line = 0; line < 40 && !reader.closed; line++) {
        socket.write(`X-Pad-${line}: 1\r\n`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect([reader.closed, reader.answers.length]).toEqual([true, 0])
    } finally {
      portico.app.server.headersTimeout = before
    }
  })

  it('closes a connection left idle for the keep-alive timeout', async () => {
    const before = portico.app.server.keepAliveTimeout
    portico.app.server.keepAliveTimeout = 300
    try {
      const { socket, reader } = await open()
      socket.write(check(setup.key))
      expect((await reader.take(1)).map((answer) => answer.status)).toEqual([200])
      const started = Date.now()
      await reader.take(2)
      expect(reader.closed).toBe(true)
      expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    } finally {
      portico.app.server.keepAliveTimeout = before
    }
  })
})

describe('gateways’ connections when the server closes', () => {
  it('closes the idle ones, so that closing does not wait for them', async () => {
    const portico = await startTestPortico('pglite', { env: { GATEWAY_TOKEN }, logLevel: 'warn' })
    await portico.app.listen({ port: 0, host: '127.0.0.1' })
    // Idle connections would otherwise hold the server's close for ten minutes (past the test’s time).
    portico.app.server.keepAliveTimeout = 600_000
    const { port } = portico.app.server.address() as { port: number }
    const socket = connect(port, '127.0.0.1')
    const reader = new AnswerReader(socket)
    socket.write(
      `GET /v1/gateway/authorize HTTP/1.1\r\nHost: portico\r\nX-Gateway-Token: ${GATEWAY_TOKEN}\r\n\r\n`,
    )
    expect((await reader.take(1)).map((answer) => answer.status)).toEqual([401])
    await portico.close()
    await reader.take(2)
    expect(reader.closed).toBe(true)
  })
})
