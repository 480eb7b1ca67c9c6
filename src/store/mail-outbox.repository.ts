// Mail in the outbox of jobs (jobs.repository.ts): a mail is a job of kind `mail` written in the
// transaction of the change that causes it, then leased, sent and marked by the dispatcher. A lease
// that runs out (the sender died) makes the mail due again, so nothing committed is ever lost.

import { sql } from 'kysely'
import type { Executor } from './executor.ts'
import { insertJob, type LeasedJob, leaseDueJobs, type NewJob } from './jobs.repository.ts'

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

export const MAIL_JOB = 'mail'

/** The job that sends `mail`. */
export function mailJob(mail: OutgoingMail): NewJob {
  return {
    kind: MAIL_JOB,
    payload: {
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      ...(mail.attachments?.length ? { attachments: mail.attachments } : {}),
    },
  }
}

/** Queues `mail` on its own (services queue it with their change: services/outbox.ts). */
export async function insertMail(db: Executor, mail: OutgoingMail, now: Date): Promise<string> {
  return insertJob(db, mailJob(mail), now)
}

/** The mail a leased job of kind `mail` carries. */
export function mailOfJob(job: LeasedJob): QueuedMail {
  const payload = job.payload as OutgoingMail
  return {
    id: job.id,
    to: payload.to,
    subject: payload.subject,
    text: payload.text,
    html: payload.html,
    attachments: payload.attachments,
    attempts: job.attempts,
  }
}

/** Leases up to `limit` due mails to the caller until `leaseUntil`, counting the attempt. */
export async function leaseDueMails(
  db: Executor,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<QueuedMail[]> {
  return (await leaseDueJobs(db, [MAIL_JOB], now, leaseUntil, limit)).map(mailOfJob)
}

/** Mails not yet sent nor given up on (for tests, metrics and operators). */
export async function countPendingMails(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('kind', '=', MAIL_JOB)
    .where(sql<boolean>`status = 'pending'`)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}
