// Audit log routes (API.md "Events and the audit log"): the list, the streamed export, and the
// verification of the hash chain.
import { Readable } from 'node:stream'
import { Type } from 'typebox'
import { csvRecord } from '../../domain/csv.ts'
import type { AuditEvent } from '../../domain/events.ts'
import type { ServiceDependencies } from '../../services/dependencies.ts'
import {
  exportAuditEvents,
  listAuditEvents,
  verifyAuditChain,
} from '../../services/events/audit-log.service.ts'
import { DEFAULT_PAGE_SIZE } from '../../services/pagination.ts'
import type { App } from '../app-instance.ts'
import { actorOf } from '../auth.ts'
import {
  AuditEventParams,
  AuditEventSchema,
  AuditEventsQuery,
  ChainVerificationSchema,
  CSV_COLUMNS,
  ExportQuery,
} from './audit-events.schemas.ts'
import { problems } from './common.schemas.ts'
import { listOf } from './organizations.schemas.ts'

const tags = ['audit']

function csvLine(event: AuditEvent): string {
  return csvRecord([
    event.seq,
    event.id,
    event.type,
    event.occurredAt,
    event.actor.type,
    event.actor.id,
    event.actor.name,
    event.target.type,
    event.target.id,
    event.requestId,
    event.hash,
    JSON.stringify(event.data),
  ])
}

async function* lines(events: AsyncIterable<AuditEvent>, format: 'ndjson' | 'csv'): AsyncGenerator<string> {
  if (format === 'csv') yield csvRecord(CSV_COLUMNS)
  for await (const event of events) yield format === 'csv' ? csvLine(event) : `${JSON.stringify(event)}\n`
}

export function registerAuditEventRoutes(app: App, deps: ServiceDependencies) {
  app.get(
    '/v1/organizations/:org/audit-events',
    {
      schema: {
        operationId: 'listAuditEvents',
        tags,
        summary: 'The audit log, newest first; filters by type (or prefix), actor, target and time',
        params: AuditEventParams,
        querystring: AuditEventsQuery,
        response: { 200: listOf(AuditEventSchema), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query
      return listAuditEvents(deps, actorOf(request), { ...filter, limit: limit ?? DEFAULT_PAGE_SIZE, cursor })
    },
  )

  app.get(
    '/v1/organizations/:org/audit-events/export',
    {
      schema: {
        operationId: 'exportAuditEvents',
        tags,
        summary: 'Every event in the range, oldest first, streamed as NDJSON (one AuditEvent a line) or CSV',
        params: AuditEventParams,
        querystring: ExportQuery,
        produces: ['application/x-ndjson', 'text/csv'],
        response: {
          200: Type.Unsafe<Readable>({
            description: 'application/x-ndjson or text/csv (RFC 4180), streamed',
            type: 'string',
          }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const format = request.query.format ?? 'ndjson'
      const events = exportAuditEvents(deps, actorOf(request), request.query)
      const organizationId = actorOf(request).membership?.organization.id
      // Readable.from pulls the next batch only when the client has taken the previous lines.
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
        .header('content-disposition', `attachment; filename="audit-events-${organizationId}.${format}"`)
        .send(Readable.from(lines(events, format)))
    },
  )

  app.get(
    '/v1/organizations/:org/audit-events/verify',
    {
      schema: {
        operationId: 'verifyAuditChain',
        tags,
        summary: 'Walks the hash chain from seq 1 and compares it with the head kept apart',
        params: AuditEventParams,
        response: { 200: ChainVerificationSchema, ...problems(401, 403, 404) },
      },
    },
    async (request) => verifyAuditChain(deps, actorOf(request)),
  )
}
