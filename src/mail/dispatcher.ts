// Sends what the outbox holds. Mails are leased (not locked) while they are sent, so no database
// connection is held during SMTP; a mail is marked sent only after the server took it, so a crash
// at any point leads to a retry, never a loss. Failed attempts back off exponentially.
import nodemailer from 'nodemailer'
import type { Clock } from '../services/clock.ts'
import type { Executor } from '../store/executor.ts'
import {
  leaseDueMails,
  markMailAttemptFailed,
  markMailSent,
  type OutgoingMail,
} from '../store/mail-outbox.repository.ts'

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

export class MailDispatcher {
  readonly #db: Executor
  readonly #clock: Clock
  readonly #transport: MailTransport
  readonly #logger: MailLogger
  readonly #pollIntervalMs: number
  readonly #leaseMs: number
  readonly #maxAttempts: number
  readonly #batchSize: number
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #again = false
  #stopped = true

  constructor(options: MailDispatcherOptions) {
    this.#db = options.db
    this.#clock = options.clock
    this.#transport = options.transport
    this.#logger = options.logger
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000
    this.#leaseMs = options.leaseMs ?? 30_000
    this.#maxAttempts = options.maxAttempts ?? 10
    this.#batchSize = options.batchSize ?? 10
  }

  start(): void {
    this.#stopped = false
    this.wake()
  }

  /** Called after a transaction that queued mail commits: send now rather than at the next poll. */
  wake(): void {
    if (this.#stopped) return
    if (this.#running) {
      this.#again = true
      return
    }
    clearTimeout(this.#timer)
    this.#running = this.#drain().finally(() => {
      this.#running = undefined
      if (this.#stopped) return
      if (this.#again) {
        this.#again = false
        this.wake()
      } else {
        this.#timer = setTimeout(() => this.wake(), this.#pollIntervalMs)
        this.#timer.unref()
      }
    })
  }

  /** Stops polling and waits for the mail being sent; what is left stays in the outbox. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#running
    this.#transport.close()
  }

  /** Sends every due mail; returns how many were sent. */
  async sendDue(): Promise<number> {
    let sent = 0
    for (;;) {
      const now = this.#clock.now()
      const batch = await leaseDueMails(
        this.#db,
        now,
        new Date(now.getTime() + this.#leaseMs),
        this.#batchSize,
      )
      for (const mail of batch) {
        if (await this.#sendOne(mail.id, mail, mail.attempts)) sent++
      }
      if (batch.length < this.#batchSize || this.#stopped) return sent
    }
  }

  async #drain(): Promise<void> {
    try {
      await this.sendDue()
    } catch (error) {
      this.#logger.error({ err: error }, 'mail dispatcher could not read the outbox')
    }
  }

  async #sendOne(id: string, mail: OutgoingMail, attempts: number): Promise<boolean> {
    try {
      await this.#transport.send(mail)
    } catch (error) {
      const message = (error as Error).message
      const giveUp = attempts >= this.#maxAttempts
      const backoffMs = Math.min(2 ** attempts * 1_000, 3_600_000)
      const now = this.#clock.now()
      await markMailAttemptFailed(this.#db, id, {
        error: message,
        at: now,
        retryAt: giveUp ? null : new Date(now.getTime() + backoffMs),
      })
      this.#logger.error({ mailId: id, attempts, giveUp, error: message }, 'mail not sent')
      return false
    }
    await markMailSent(this.#db, id, this.#clock.now(), this.#transport.name)
    this.#logger.info({ mailId: id, via: this.#transport.name }, 'mail sent')
    return true
  }
}
