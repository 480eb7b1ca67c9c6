// Queues a mail in the caller's transaction: it is sent once, and only if, the change commits.
// Every mail takes its recipient's share of its purpose first (429 rate_limited when spent).
import { normalizeEmail } from '../domain/emails.ts'
import { mailJob, type OutgoingMail } from '../store/mail-outbox.repository.ts'
import type { MailPurpose, ServiceDependencies } from './dependencies.ts'
import { queueJob, type Transaction } from './transaction.ts'

/** Takes one of `to`'s mails of this purpose, or throws rate_limited when they are spent. */
export function reserveMailTo(deps: ServiceDependencies, purpose: MailPurpose, to: string): void {
  deps.limits.mailsPerRecipient[purpose].take(normalizeEmail(to))
}

export async function queueMail(
  deps: ServiceDependencies,
  tx: Transaction,
  mail: OutgoingMail,
  /** `reserved` when the caller has already taken the recipient's share (see reserveMailTo). */
  purpose: MailPurpose | 'reserved',
): Promise<void> {
  if (purpose !== 'reserved') reserveMailTo(deps, purpose, mail.to)
  queueJob(tx, mailJob(mail))
}
