// The hash chain rule of API.md, apart from the catalog (events.ts) so that the console can import
// the catalog without node:crypto: lowercase hex SHA-256 of the UTF-8 text made of the previous
// event's hash followed by the RFC 8785 canonical JSON of the event as served, without `hash`.
import { hash } from 'node:crypto'
import { canonicalJson } from './canonical-json.ts'
import type { AuditEvent } from './events.ts'

/** The hash before an organization's first event. */
export const GENESIS_HASH = '0'.repeat(64)

export function eventHash(previousHash: string, event: Omit<AuditEvent, 'hash'>): string {
  return hash('sha256', previousHash + canonicalJson(event), 'hex')
}
