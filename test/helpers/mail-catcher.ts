// A real SMTP server on a loopback port that keeps every mail it receives, parsed. Tests read the
// mails Portico actually sent over SMTP, never a mock transport.
import type { AddressInfo } from 'node:net'
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface CaughtMail {
  to: string
  from: string
  subject: string
  text: string
  html: string
  /** The raw message as it came over the wire. */
  raw: string
}

export interface MailCatcher {
  url: string
  mails: CaughtMail[]
  /** Makes the server refuse every mail (to test retries) until set back to false. */
  refuse: boolean
  /** Resolves with the first mail (after those already taken by earlier calls) to `to`. */
  next(to: string, timeoutMs?: number): Promise<CaughtMail>
  close(): Promise<void>
}

export async function startMailCatcher(): Promise<MailCatcher> {
  const mails: CaughtMail[] = []
  const taken = new Set<CaughtMail>()
  const waiters = new Set<() => void>()
  const catcher: MailCatcher = {
    url: '',
    mails,
    refuse: false,
    next: (to, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const look = () => {
          const mail = mails.find((m) => !taken.has(m) && m.to.toLowerCase() === to.toLowerCase())
          if (!mail) return false
          taken.add(mail)
          clearTimeout(timer)
          waiters.delete(lookAgain)
          resolve(mail)
          return true
        }
        const lookAgain = () => void look()
        const timer = setTimeout(() => {
          waiters.delete(lookAgain)
          reject(new Error(`no mail to ${to} within ${timeoutMs} ms (got ${mails.length} in all)`))
        }, timeoutMs)
        if (!look()) waiters.add(lookAgain)
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', async () => {
        if (catcher.refuse) return callback(new Error('mailbox unavailable'))
        const raw = Buffer.concat(chunks).toString('utf8')
        const parsed = await simpleParser(raw)
        const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to
        mails.push({
          to: to?.value[0]?.address ?? '',
          from: parsed.from?.text ?? '',
          subject: parsed.subject ?? '',
          text: parsed.text ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
          raw,
        })
        callback()
        for (const waiter of [...waiters]) waiter()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  catcher.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`
  return catcher
}

/** The first link in a mail's text that starts with `prefix`, e.g. `${publicUrl}/verify-email/`. */
export function linkIn(mail: CaughtMail, prefix: string): string {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const match = new RegExp(`${escaped}[A-Za-z0-9_-]+`).exec(mail.text)
  if (!match) throw new Error(`no link starting with ${prefix} in mail "${mail.subject}"`)
  return match[0]
}
