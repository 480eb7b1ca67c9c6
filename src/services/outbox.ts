// Queues a mail in the caller's transaction: it is sent once, and only if, the change commits.
import { insertMail, type OutgoingMail } from '../store/mail-outbox.repository.ts'
import type { ServiceDependencies } from './dependencies.ts'
import type { Transaction } from './transaction.ts'

export async function queueMail(
  deps: ServiceDependencies,
  tx: Transaction,
  mail: OutgoingMail,
): Promise<void> {
  await insertMail(tx.db, mail, tx.now)
  tx.afterCommit(() => deps.mailer.wake())
}
