// Audit events: who changed what in an organization, before and after, in the same transaction
// as the change itself.
import type { Executor } from './executor.ts'

export interface AuditEvent {
  organizationId: string
  actorUserId: string | null
  action: string
  targetType: string
  targetId: string | null
  before?: unknown
  after?: unknown
  requestId?: string | null
  at: Date
}

export async function insertAuditEvent(db: Executor, event: AuditEvent): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      organization_id: event.organizationId,
      actor_user_id: event.actorUserId,
      action: event.action,
      target_type: event.targetType,
      target_id: event.targetId,
      before: event.before === undefined ? null : JSON.stringify(event.before),
      after: event.after === undefined ? null : JSON.stringify(event.after),
      request_id: event.requestId ?? null,
      created_at: event.at,
    })
    .execute()
}
