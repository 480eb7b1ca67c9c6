// The generated OpenAPI document against the contract: the same operations as API.md (plus the
// documented additions, test/fixtures/api-operations.ts), and what generators and linters need of
// each — an operationId, a summary, a tag described at the top, every error as one problem+json
// schema, an example for every JSON body. (Storage plays no part: one database is enough.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  contractOperations,
  documentedAdditions,
  servedOutsideTheDocument,
} from '../fixtures/api-operations.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

interface Operation {
  operationId?: string
  summary?: string
  tags?: string[]
  security?: unknown[]
  requestBody?: { content: Record<string, { example?: unknown; examples?: unknown }> }
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>
}
interface Document {
  info: { license?: { name: string } }
  servers?: { url: string }[]
  tags?: { name: string; description?: string }[]
  paths: Record<string, Record<string, Operation>>
}

describe('the OpenAPI document', () => {
  let portico: TestPortico
  let document: Document
  beforeAll(async () => {
    portico = await startTestPortico('pglite')
    const answer = await portico.app.inject({ method: 'GET', url: '/openapi.json' })
    document = answer.json()
  })
  afterAll(async () => {
    await portico?.close()
  })

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        name: `${method.toUpperCase()} ${path}`,
        operation,
      })),
    )

  it('describes exactly the operations of API.md and the documented additions', () => {
    const expected = [
      ...contractOperations.filter((name) => !servedOutsideTheDocument.includes(name)),
      ...Object.keys(documentedAdditions),
    ].sort()
    expect(
      operations()
        .map(({ name }) => name)
        .sort(),
    ).toEqual(expected)
  })

  it('names every operation with a unique camelCase operationId and says what it does in a summary', () => {
    const ids = operations().map(({ operation }) => operation.operationId)
    expect(ids.filter((id) => !/^[a-z][A-Za-z]+$/.test(String(id)))).toEqual([])
    expect(new Set(ids).size).toBe(ids.length)
    expect(operations().filter(({ operation }) => !operation.summary)).toEqual([])
    expect(
      Object.fromEntries(operations().map(({ name, operation }) => [name, operation.operationId])),
    ).toMatchObject({
      'GET /v1/organizations/{org}/members': 'listMembers',
      'POST /v1/organizations/{org}/webhooks': 'createWebhook',
      'GET /v1/gateway/authorize': 'authorizeGatewayRequest',
      'POST /v1/organizations/{org}/applications/{id}/keys': 'createKey',
    })
  })

  it('tags every operation with a tag described at the top', () => {
    const described = new Map((document.tags ?? []).map((tag) => [tag.name, tag.description]))
    expect([...described.values()].filter((description) => !description)).toEqual([])
    const used = new Set(operations().flatMap(({ operation }) => operation.tags ?? []))
    expect([...used].filter((tag) => !described.has(tag))).toEqual([])
    expect(operations().filter(({ operation }) => (operation.tags ?? []).length !== 1)).toEqual([])
  })

  it('gives every error answer as the one problem+json schema', () => {
    const errors = operations().flatMap(({ name, operation }) =>
      Object.entries(operation.responses)
        .filter(([status]) => Number(status) >= 400)
        .map(([status, response]) => ({ name, status, content: response.content })),
    )
    expect(errors.length).toBeGreaterThan(300)
    for (const error of errors) {
      expect(error).toEqual({
        ...error,
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      })
    }
  })

  it('declares the errors every route of a kind can give: bodies 400/413/415, sessions 401, cookie writes 403', () => {
    const missing: string[] = []
    for (const { name, operation } of operations()) {
      const statuses = Object.keys(operation.responses)
      const needs: string[] = []
      if (operation.requestBody) needs.push('400', '413', '415')
      if (!operation.security || operation.security.length > 0) needs.push('401')
      if (name.split(' ')[1]?.startsWith('/v1/organizations/{org}')) needs.push('404')
      for (const status of needs) if (!statuses.includes(status)) missing.push(`${name} ${status}`)
    }
    expect(missing).toEqual([])
    expect(Object.keys(document.paths['/v1/auth/sign-up']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '409', '413', '415', '429']),
    )
    // Public routes ask for no credentials.
    expect(document.paths['/v1/auth/sign-in']?.post?.security).toEqual([])
    expect(document.paths['/v1/gateway/authorize']?.get?.security).toEqual([{ gatewayHeader: [] }])
    expect(document.paths['/v1/organizations/{org}']?.delete?.security).toBeUndefined()
  })

  it('gives an example of every JSON request body', () => {
    const withoutExample = operations()
      .filter(({ operation }) => operation.requestBody?.content['application/json'])
      .filter(({ operation }) => operation.requestBody?.content['application/json']?.example === undefined)
      .map(({ name }) => name)
    expect(withoutExample).toEqual([])
  })

  it('names its server and license', () => {
    expect(document.servers).toEqual([{ url: '/', description: 'the Portico serving this document' }])
    expect(document.info.license).toEqual({
      name: 'UNLICENSED',
      url: 'https://docs.npmjs.com/cli/v11/configuring-npm/package-json#license',
    })
  })
})
