// Webhook rules: event filters, the retry schedule, URLs, and the Standard Webhooks signature
// (checked against the standardwebhooks package, an independent implementation).
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { parseDuration, parseDurationList } from '../../src/domain/durations.ts'
import { eventTypes } from '../../src/domain/events.ts'
import {
  checkFilter,
  checkWebhookUrl,
  filtersMatch,
  newWebhookSecret,
  retryDelay,
  signDelivery,
} from '../../src/domain/webhooks.ts'

describe('event filters', () => {
  it.each([
    [['*'], 'member.added', true],
    [['member.*'], 'member.added', true],
    [['member.*'], 'organization.created', false],
    [['organization.created'], 'organization.created', true],
    [['organization.created'], 'organization.updated', false],
    [['organization.*', 'key.revoked'], 'key.revoked', true],
    [['key.revoked'], 'key.rotated', false],
    [['member.*'], 'webhook.test', false],
  ])('%j takes %s: %s', (filters, type, expected) => {
    expect(filtersMatch(filters, type)).toBe(expected)
  })

  it.each([
    ['*', undefined],
    ['member.*', undefined],
    ['member.added', undefined],
    ['developer.*', undefined],
    ['member.add*', undefined],
    ['members.*', 'members.* matches no event type'],
    ['member.joined', 'member.joined is not an event type'],
    ['*.created', '*.created is not an event type'],
    ['**', '** matches no event type'],
  ])('%s is %s', (filter, problem) => {
    expect(checkFilter(filter, eventTypes)).toBe(problem)
  })
})

describe('webhook URLs', () => {
  it.each([
    ['https://hooks.example.com/portico', undefined],
    ['http://hooks.example.com:8080/in?x=1', undefined],
    ['ftp://hooks.example.com/', 'must be an http or https URL'],
    ['file:///etc/passwd', 'must be an http or https URL'],
    ['hooks.example.com/portico', 'must be an absolute http or https URL'],
    ['https://user:pass@hooks.example.com/', 'must not carry a user name or password'],
  ])('%s: %s', (url, problem) => {
    expect(checkWebhookUrl(url)).toBe(problem)
  })
})

describe('retry schedule', () => {
  const schedule = parseDurationList('5s,5m,30m,2h,5h,10h,10h') ?? []

  it('reads durations in s, m, h and d', () => {
    expect(schedule).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000])
    expect(parseDuration('5d')).toBe(432_000_000)
    expect(parseDuration('5')).toBeUndefined()
    expect(parseDuration('1w')).toBeUndefined()
    expect(parseDurationList('5s,,5m')).toBeUndefined()
  })

  it('waits each delay in turn after a failure, then gives up: 1 + 7 attempts', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((attempts) => retryDelay(schedule, attempts))).toEqual([
      5_000,
      300_000,
      1_800_000,
      7_200_000,
      18_000_000,
      36_000_000,
      36_000_000,
      null,
      null,
    ])
  })
})

describe('signatures', () => {
  it('is whsec_ and base64 of 32 random bytes', () => {
    const secret = newWebhookSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32)
    expect(newWebhookSecret()).not.toBe(secret)
  })

  it('signs as the standardwebhooks package does, and verifies with it', () => {
    const secret = newWebhookSecret()
    const body = JSON.stringify({ id: 'e1', type: 'member.added', data: { userId: 'u' } })
    const now = new Date()
    const timestamp = Math.floor(now.getTime() / 1000)
    const signature = signDelivery(secret, 'msg_1', timestamp, body)
    const standard = new StandardWebhook(secret)
    expect(signature).toBe(standard.sign('msg_1', now, body))
    expect(
      standard.verify(body, {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      }),
    ).toEqual(JSON.parse(body))
  })
})
