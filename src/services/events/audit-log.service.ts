// The audit log as its readers see it: the list (newest first, filtered, keyset-paged by seq), the
// export (oldest first, streamed in batches so a million events take constant memory) and the
// verification of the hash chain, each after chaining the organization's queued events
// (audit-chain.ts). Only members with audit:read of an organization that exists;
// a deleted organization's events are exported by the operator's command line
// (`portico audit:export`, cli/commands/operator.commands.ts).
import { DomainError } from '../../domain/errors.ts'
import { eventHash, GENESIS_HASH } from '../../domain/event-chain.ts'
import { type AuditEvent, eventTypesMatching } from '../../domain/events.ts'
import { parseInstant } from '../../domain/instants.ts'
import {
  type EventFilter,
  findChainHead,
  listEvents,
  listEventsInOrder,
  purgeExpiredEvents,
} from '../../store/audit.repository.ts'
import type { Executor } from '../../store/executor.ts'
import { type Actor, requirePermission } from '../access.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import { decodeCursor, encodeCursor, type Page } from '../pagination.ts'
import { inTransaction, type TransactionDependencies } from '../transaction.ts'
import { chainQueuedEvents } from './audit-chain.ts'

/** Events read per query by the export and the verification. */
const BATCH = 1000

export interface AuditEventQuery {
  type?: string
  actorId?: string
  targetId?: string
  since?: string
  until?: string
}

function invalidQuery(path: string, message: string): DomainError {
  return new DomainError('validation_failed', `${path.slice(1)} ${message}`, {
    errors: [{ in: 'query', path, message }],
  })
}

function filterOf(query: AuditEventQuery): EventFilter {
  const types = query.type === undefined ? undefined : eventTypesMatching(query.type)
  if (query.type !== undefined && !types) {
    throw invalidQuery('/type', 'names no event type (a type, or a prefix such as member.* or member.)')
  }
  return {
    types,
    actorId: query.actorId,
    targetId: query.targetId,
    since: query.since === undefined ? undefined : instantOfQuery('/since', query.since),
    until: query.until === undefined ? undefined : instantOfQuery('/until', query.until),
  }
}

/** A time of the query, or a 400 for one no instant matches (a leap second, 30 February). */
function instantOfQuery(path: string, text: string): Date {
  const instant = parseInstant(text)
  if (!instant) throw invalidQuery(path, 'names no instant (seconds stop at 59; the day must exist)')
  return instant
}

function seqOfCursor(cursor: string): number {
  const [seq] = decodeCursor(cursor, 1)
  const value = Number(seq)
  if (!Number.isSafeInteger(value) || value < 1) throw invalidQuery('/cursor', 'is not valid')
  return value
}

/** Newest first, `limit` at a time; the cursor is the seq of the page's last event. */
export async function listAuditEvents(
  deps: ServiceDependencies,
  actor: Actor,
  query: AuditEventQuery & { limit: number; cursor?: string },
): Promise<Page<AuditEvent>> {
  const { organization } = requirePermission(actor, 'audit:read')
  await chainQueuedEvents(deps.db, organization.id, 'wait')
  const rows = await listEvents(deps.db, organization.id, {
    ...filterOf(query),
    beforeSeq: query.cursor === undefined ? undefined : seqOfCursor(query.cursor),
    limit: query.limit + 1,
  })
  const items = rows.slice(0, query.limit)
  const last = items.at(-1)
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor([String(last.seq)]) : null }
}

/**
 * Every event of the organization in `[since, until)`, oldest first, read `BATCH` at a time, after
 * chaining what is queued.
 */
export async function* eventsInOrder(
  db: Executor,
  organizationId: string,
  range: Pick<EventFilter, 'since' | 'until'> = {},
): AsyncGenerator<AuditEvent> {
  await chainQueuedEvents(db, organizationId, 'wait')
  let afterSeq = 0
  for (;;) {
    const batch = await listEventsInOrder(db, organizationId, { ...range, afterSeq, limit: BATCH })
    yield* batch
    const last = batch.at(-1)
    if (!last || batch.length < BATCH) return
    afterSeq = last.seq
  }
}

/**
 * The export: checks the permission at once (so a refusal is an ordinary error answer), then
 * yields the events oldest first as the consumer pulls them.
 */
export function exportAuditEvents(
  deps: ServiceDependencies,
  actor: Actor,
  query: Pick<AuditEventQuery, 'since' | 'until'>,
): AsyncIterable<AuditEvent> {
  const { organization } = requirePermission(actor, 'audit:read')
  return eventsInOrder(deps.db, organization.id, filterOf(query))
}

/**
 * The operator's export (the command line): an organization's events, deleted organization or
 * not, oldest first; undefined when none are kept for it (never any, or purged).
 */
export async function exportOrganizationEvents(
  db: Executor,
  organizationId: string,
  range: Pick<EventFilter, 'since' | 'until'>,
): Promise<AsyncIterable<AuditEvent> | undefined> {
  await chainQueuedEvents(db, organizationId, 'wait')
  if (!(await findChainHead(db, organizationId))) return undefined
  return eventsInOrder(db, organizationId, range)
}

export type ChainVerification =
  | { valid: true; count: number; headHash: string }
  | { valid: false; brokenAt: number }

/**
 * Walks the organization's chain from seq 1, recomputing every hash, and compares its end with
 * the head kept apart: a missing, edited, reordered or added event, the newest included, breaks it.
 */
export async function verifyChain(db: Executor, organizationId: string): Promise<ChainVerification> {
  await chainQueuedEvents(db, organizationId, 'wait')
  const head = (await findChainHead(db, organizationId)) ?? { seq: 0, hash: GENESIS_HASH }
  let previous = GENESIS_HASH
  let count = 0
  for await (const event of eventsInOrder(db, organizationId)) {
    if (event.seq !== count + 1) return { valid: false, brokenAt: count + 1 }
    const { hash, ...unhashed } = event
    if (eventHash(previous, unhashed) !== hash) return { valid: false, brokenAt: event.seq }
    previous = hash
    count++
  }
  if (head.seq > count) return { valid: false, brokenAt: count + 1 }
  if (head.seq < count) return { valid: false, brokenAt: head.seq + 1 }
  if (head.hash !== previous) return { valid: false, brokenAt: Math.max(count, 1) }
  return { valid: true, count, headHash: previous }
}

export async function verifyAuditChain(deps: ServiceDependencies, actor: Actor): Promise<ChainVerification> {
  const { organization } = requirePermission(actor, 'audit:read')
  return verifyChain(deps.db, organization.id)
}

/**
 * Purges the events of organizations deleted more than `retentionDays` ago, a batch per
 * transaction, until none is due. Instances sweeping at once skip each other's organizations
 * (row locks, SKIP LOCKED). Returns how many rows went.
 */
export async function purgeExpiredAuditEvents(
  deps: TransactionDependencies,
  retentionDays: number,
  batch = 10_000,
): Promise<number> {
  const deletedBefore = new Date(deps.clock.now().getTime() - retentionDays * 86_400_000)
  let purged = 0
  for (;;) {
    const deleted = await inTransaction(deps, (tx) => purgeExpiredEvents(tx.db, deletedBefore, batch))
    if (deleted === 0) return purged
    purged += deleted
  }
}
