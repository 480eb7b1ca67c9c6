// Records an audit event in the transaction of the change it describes: both happen or neither.
import { insertAuditEvent } from '../store/audit.repository.ts'
import type { Actor } from './access.ts'
import type { Transaction } from './transaction.ts'

export interface AuditedChange {
  organizationId: string
  action: string
  targetType:
    | 'organization'
    | 'member'
    | 'invitation'
    | 'api'
    | 'environment'
    | 'application'
    | 'subscription'
    | 'key'
  targetId: string | null
  before?: unknown
  after?: unknown
}

export async function recordAudit(tx: Transaction, actor: Actor, change: AuditedChange): Promise<void> {
  await insertAuditEvent(tx.db, {
    ...change,
    actorUserId: actor.user.id,
    requestId: actor.requestId,
    at: tx.now,
  })
}
