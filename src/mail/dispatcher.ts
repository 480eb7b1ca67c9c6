// Sends the mail the outbox holds: the `mail` job handler of the one job dispatcher
// (services/jobs/dispatcher.ts), over SMTP or to the log. A mail is marked sent only after the
// server took it, so a crash at any point leads to a retry, never a loss. Failed attempts back off
// exponentially (2 s, 4 s, … up to an hour, 10 attempts).
import nodemailer from 'nodemailer'
import type { Clock } from '../services/clock.ts'
import { JobDispatcher, type JobHandler } from '../services/jobs/dispatcher.ts'
import type { Executor } from '../store/executor.ts'
import { MAIL_JOB, mailOfJob, type OutgoingMail } from '../store/mail-outbox.repository.ts'

export interface MailLogger {
  info(object: object, message: string): void
  error(object: object, message: string): void
}

export interface MailTransport {
  /** Recorded on each sent mail: 'smtp' or 'log'. */
  readonly name: string
  send(mail: OutgoingMail): Promise<void>
  close(): void
}

export function smtpTransport(smtpUrl: string, from: string): MailTransport {
  // Every SMTP wait ends well within the dispatcher's 30 s lease, so a slow server cannot make a
  // lease run out while its mail is still being sent (which would send it twice).
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 15_000,
  })
  return {
    name: 'smtp',
    send: async (mail) => {
      await transporter.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        attachments: mail.attachments?.map((attachment) => ({
          filename: attachment.filename,
          contentType: attachment.contentType,
          content: Buffer.from(attachment.contentBase64, 'base64'),
          cid: attachment.cid,
        })),
      })
    },
    close: () => transporter.close(),
  }
}

/** Without SMTP_URL: the mail goes to the log, so a developer can follow its links. */
export function logTransport(logger: MailLogger): MailTransport {
  return {
    name: 'log',
    send: async (mail) => {
      logger.info({ mail: { to: mail.to, subject: mail.subject, text: mail.text } }, 'mail (no SMTP_URL set)')
    },
    close: () => {},
  }
}

export const MAIL_MAX_ATTEMPTS = 10

/** The `mail` job: one attempt to hand the mail to the transport. */
export function mailHandler(transport: MailTransport, maxAttempts = MAIL_MAX_ATTEMPTS): JobHandler {
  return {
    run: async (job) => {
      await transport.send(mailOfJob(job))
      return { ok: true, via: transport.name }
    },
    retryDelayMs: (attempts) => (attempts >= maxAttempts ? null : Math.min(2 ** attempts * 1_000, 3_600_000)),
    close: () => transport.close(),
  }
}

export interface MailDispatcherOptions {
  db: Executor
  clock: Clock
  transport: MailTransport
  logger: MailLogger
  pollIntervalMs?: number
  leaseMs?: number
  maxAttempts?: number
  batchSize?: number
}

/** A dispatcher of mail alone (the mail tests, tools); Portico runs one dispatcher of every kind. */
export class MailDispatcher extends JobDispatcher {
  readonly #batchSize: number
  constructor(options: MailDispatcherOptions) {
    super({
      db: options.db,
      clock: options.clock,
      handlers: { [MAIL_JOB]: mailHandler(options.transport, options.maxAttempts) },
      logger: options.logger,
      pollIntervalMs: options.pollIntervalMs,
      leaseMs: options.leaseMs,
    })
    this.#batchSize = options.batchSize ?? 10
  }

  /** Sends every due mail; returns how many were sent. */
  sendDue(): Promise<number> {
    return this.runDue(this.#batchSize)
  }
}
