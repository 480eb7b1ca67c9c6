// A small API7 Developer Portal on a loopback port that implements exactly the calls Portico makes
// (API.md "The developer identity"): `POST /api/developers {"developer_id"}` and
// `DELETE /api/developers/{id}`, with a bearer token. It keeps its developers and every call, and
// can be told to fail (an HTTP status) or hang, per call kind.
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface PortalCall {
  method: string
  path: string
  authorization: string | undefined
  // biome-ignore lint/suspicious/noExplicitAny: bodies are asserted field by field
  body: any
}

/** 'held': answered as 'normal' once release() is called. */
export type PortalBehaviour = 'normal' | 'hang' | 'held' | number

export interface FakeApi7Portal {
  url: string
  token: string
  developers: Set<string>
  calls: PortalCall[]
  /** How to answer creations and deletions ('normal': as API7 does). */
  create: PortalBehaviour
  remove: PortalBehaviour
  /** Answers the calls held so far ('held'), as 'normal'. */
  release(): void
  close(): Promise<void>
}

export async function startFakeApi7Portal(token = 'a7prt-test-token'): Promise<FakeApi7Portal> {
  const hanging = new Set<ServerResponse>()
  let held: (() => void)[] = []
  const portal: FakeApi7Portal = {
    url: '',
    token,
    developers: new Set(),
    calls: [],
    create: 'normal',
    remove: 'normal',
    release: () => {
      const answers = held
      held = []
      for (const answer of answers) answer()
    },
    close: async () => {
      for (const response of hanging) response.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.statusCode = status
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify(body))
  }
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      let body: unknown
      try {
        body = text ? JSON.parse(text) : undefined
      } catch {}
      const path = request.url ?? '/'
      portal.calls.push({
        method: request.method ?? '',
        path,
        authorization: request.headers.authorization,
        body,
      })
      if (request.headers.authorization !== `Bearer ${token}`)
        return json(response, 401, { error_msg: 'unauthorized' })
      const deleting = /^\/api\/developers\/([^/]+)$/.exec(path)
      if (request.method === 'POST' && path === '/api/developers') {
        if (portal.create === 'hang') return void hanging.add(response)
        if (typeof portal.create === 'number') return json(response, portal.create, { error_msg: 'refused' })
        const answer = () => {
          const id = (body as { developer_id?: string } | undefined)?.developer_id
          if (!id) return json(response, 400, { error_msg: 'developer_id is required' })
          if (portal.developers.has(id)) return json(response, 409, { error_msg: 'developer exists' })
          portal.developers.add(id)
          return json(response, 201, { value: { id: `internal-${id}`, developer_id: id, state: 'Active' } })
        }
        if (portal.create === 'held') return void held.push(answer)
        return answer()
      }
      if (request.method === 'DELETE' && deleting) {
        if (portal.remove === 'hang') return void hanging.add(response)
        if (typeof portal.remove === 'number') return json(response, portal.remove, { error_msg: 'refused' })
        const id = decodeURIComponent(deleting[1] ?? '')
        if (!portal.developers.delete(id)) return json(response, 404, { error_msg: 'not found' })
        return json(response, 200, {})
      }
      return json(response, 404, { error_msg: 'no such route' })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  portal.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return portal
}
