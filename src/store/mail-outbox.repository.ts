// The transactional outbox: a mail is written in the transaction of the change that causes it,
// then leased, sent and marked by the dispatcher. A lease that runs out (the sender died) makes the
// mail due again, so nothing committed is ever lost.
import { sql } from 'kysely'
import type { Executor } from './executor.ts'

/** A file carried by a mail; with `cid`, shown inline by the HTML part (`<img src="cid:…">`). */
export interface MailAttachment {
  filename: string
  contentType: string
  contentBase64: string
  cid?: string
}

export interface OutgoingMail {
  to: string
  subject: string
  text: string
  html: string
  attachments?: MailAttachment[]
}

export interface QueuedMail extends OutgoingMail {
  id: string
  attempts: number
}

export async function insertMail(db: Executor, mail: OutgoingMail, now: Date): Promise<string> {
  const row = await db
    .insertInto('mail_outbox')
    .values({
      recipient: mail.to,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html,
      attachments: mail.attachments?.length ? JSON.stringify(mail.attachments) : null,
      created_at: now,
      next_attempt_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/** Leases up to `limit` due mails to the caller until `leaseUntil`, counting the attempt. */
export async function leaseDueMails(
  db: Executor,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<QueuedMail[]> {
  const rows = await db
    .updateTable('mail_outbox')
    .set({ lease_until: leaseUntil, attempts: sql`attempts + 1` })
    .where(
      'id',
      'in',
      db
        .selectFrom('mail_outbox')
        .select('id')
        .where('sent_at', 'is', null)
        .where('failed_at', 'is', null)
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('next_attempt_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning(['id', 'recipient', 'subject', 'text_body', 'html_body', 'attachments', 'attempts'])
    .execute()
  return rows.map((row) => ({
    id: row.id,
    to: row.recipient,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    attachments: (row.attachments as MailAttachment[] | null) ?? undefined,
    attempts: row.attempts,
  }))
}

export async function markMailSent(db: Executor, id: string, at: Date, via: string): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({ sent_at: at, lease_until: null, delivered_via: via, last_error: null })
    .where('id', '=', id)
    .execute()
}

export async function markMailAttemptFailed(
  db: Executor,
  id: string,
  failure: { error: string; retryAt: Date | null; at: Date },
): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({
      lease_until: null,
      last_error: failure.error.slice(0, 1000),
      next_attempt_at: failure.retryAt ?? failure.at,
      failed_at: failure.retryAt === null ? failure.at : null,
    })
    .where('id', '=', id)
    .execute()
}

/** Mails not yet sent nor given up on (for tests, metrics and operators). */
export async function countPendingMails(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('mail_outbox')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}
