// The outbox and its dispatcher against a real SMTP server: a committed mail is sent exactly once,
// survives a dispatcher that stops before sending, and is retried with backoff when SMTP refuses.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { MailDispatcher, type MailLogger, smtpTransport } from '../../src/mail/dispatcher.ts'
import { countPendingMails, insertMail } from '../../src/store/mail-outbox.repository.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import { TestClock } from '../helpers/clock.ts'
import { databases, openTestDatabase, type TestDatabase } from '../helpers/databases.ts'
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher.ts'

const quiet: MailLogger = { info: () => {}, error: () => {} }
const letter = (to: string) => ({ to, subject: 'Hello', text: 'Hello there', html: '<p>Hello there</p>' })

describe.each(databases)('mail outbox on %s', (databaseName) => {
  let database: TestDatabase
  let catcher: MailCatcher
  const dispatchers: MailDispatcher[] = []
  const dispatcher = (clock: TestClock) => {
    const created = new MailDispatcher({
      db: database.db,
      clock,
      transport: smtpTransport(catcher.url, 'Portico <no-reply@localhost>'),
      logger: quiet,
      pollIntervalMs: 60_000,
    })
    dispatchers.push(created)
    return created
  }

  beforeAll(async () => {
    database = await openTestDatabase(databaseName)
    await migrateToLatest(database.db)
    catcher = await startMailCatcher()
  })
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((d) => d.stop()))
    catcher.refuse = false
  })
  afterAll(async () => {
    await database?.close()
    await catcher?.close()
  })

  it('sends a queued mail once, however often it is asked to', async () => {
    const clock = new TestClock()
    await insertMail(database.db, letter('once@example.com'), clock.now())
    const sender = dispatcher(clock)
    expect(await sender.sendDue()).toBe(1)
    expect(await sender.sendDue()).toBe(0)
    const mail = await catcher.next('once@example.com')
    expect(mail).toMatchObject({ subject: 'Hello', text: 'Hello there' })
    expect(catcher.mails.filter((m) => m.to === 'once@example.com')).toHaveLength(1)
  })

  it('keeps a committed mail when the dispatcher stops before sending, and sends it exactly once after restart', async () => {
    const clock = new TestClock()
    const first = dispatcher(clock)
    await first.stop()
    await insertMail(database.db, letter('restart@example.com'), clock.now())
    expect(await countPendingMails(database.db)).toBe(1)
    const second = dispatcher(clock)
    const third = dispatcher(clock)
    // Two dispatchers racing (two instances): the lease lets only one of them send.
    const [a, b] = await Promise.all([second.sendDue(), third.sendDue()])
    expect(a + b).toBe(1)
    await catcher.next('restart@example.com')
    expect(catcher.mails.filter((m) => m.to === 'restart@example.com')).toHaveLength(1)
    expect(await countPendingMails(database.db)).toBe(0)
  })

  it('sends a mail again when its sender died holding the lease, once the lease runs out', async () => {
    const clock = new TestClock()
    await insertMail(database.db, letter('lease@example.com'), clock.now())
    const { leaseDueMails } = await import('../../src/store/mail-outbox.repository.ts')
    // A sender leases the mail and dies before sending.
    expect(
      await leaseDueMails(database.db, clock.now(), new Date(clock.now().getTime() + 30_000), 10),
    ).toHaveLength(1)
    const survivor = dispatcher(clock)
    expect(await survivor.sendDue()).toBe(0)
    clock.advance(30_001)
    expect(await survivor.sendDue()).toBe(1)
    await catcher.next('lease@example.com')
  })

  it('retries with exponential backoff while SMTP refuses, then sends', async () => {
    const clock = new TestClock()
    catcher.refuse = true
    await insertMail(database.db, letter('retry@example.com'), clock.now())
    const sender = dispatcher(clock)
    expect(await sender.sendDue()).toBe(0)
    const row = await database.db
      .selectFrom('mail_outbox')
      .select(['attempts', 'next_attempt_at', 'last_error', 'sent_at'])
      .where('recipient', '=', 'retry@example.com')
      .executeTakeFirstOrThrow()
    expect(row.attempts).toBe(1)
    expect(row.sent_at).toBeNull()
    expect(row.last_error).toContain('mailbox unavailable')
    expect(row.next_attempt_at.getTime() - clock.now().getTime()).toBe(2_000)
    catcher.refuse = false
    expect(await sender.sendDue()).toBe(0)
    clock.advance(2_000)
    expect(await sender.sendDue()).toBe(1)
    expect((await catcher.next('retry@example.com')).subject).toBe('Hello')
  })
})
