// Request and response shapes of the audit log routes (API.md "Events and the audit log").
import { Type } from 'typebox'
import { type EventType, eventTypes, type TargetType, targetTypes } from '../../domain/events.ts'
import { OrganizationParams, PageQuery } from './organizations.schemas.ts'

const Timestamp = Type.String({ format: 'date-time' })

export const AuditEventParams = OrganizationParams

const Range = {
  since: Type.Optional(Type.String({ format: 'date-time', description: 'inclusive' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'exclusive' })),
}

export const AuditEventsQuery = Type.Object({
  ...PageQuery.properties,
  type: Type.Optional(
    Type.String({ maxLength: 100, description: 'an event type, or a prefix: `member.*` (also `member.`)' }),
  ),
  actorId: Type.Optional(Type.String({ format: 'uuid' })),
  targetId: Type.Optional(Type.String({ maxLength: 100 })),
  ...Range,
})

export const ExportQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' })),
  ...Range,
})

export const AuditEventSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  organizationId: Type.String({ format: 'uuid' }),
  seq: Type.Integer({ minimum: 1, description: 'from 1 per organization, without gaps' }),
  type: Type.Unsafe<EventType>(Type.String({ enum: eventTypes })),
  occurredAt: Timestamp,
  actor: Type.Object({
    type: Type.Union([Type.Literal('user'), Type.Literal('system')]),
    id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    name: Type.String(),
  }),
  target: Type.Object({
    type: Type.Unsafe<TargetType>(Type.String({ enum: [...targetTypes] })),
    id: Type.String(),
  }),
  data: Type.Unknown({ description: 'the shape of its type in the catalog (docs/events.md)' }),
  requestId: Type.Union([Type.String(), Type.Null()]),
  hash: Type.String({
    pattern: '^[0-9a-f]{64}$',
    description: 'SHA-256 of the previous hash followed by the RFC 8785 JSON of this event without hash',
  }),
})

export const ChainVerificationSchema = Type.Union([
  Type.Object({ valid: Type.Literal(true), count: Type.Integer(), headHash: Type.String() }),
  Type.Object({
    valid: Type.Literal(false),
    brokenAt: Type.Integer({ description: 'the lowest seq that is missing or whose hash does not match' }),
  }),
])

export const CSV_COLUMNS = [
  'seq',
  'id',
  'type',
  'occurredAt',
  'actorType',
  'actorId',
  'actorName',
  'targetType',
  'targetId',
  'requestId',
  'hash',
  'data',
] as const
