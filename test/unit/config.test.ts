import { describe, expect, it } from 'vitest'
import { ConfigError, readConfig } from '../../src/config.ts'

describe('configuration', () => {
  it('has the defaults of DESIGN.md', () => {
    expect(readConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      databaseDirectUrl: undefined,
      dataDir: './data',
      publicUrl: 'http://localhost:3000',
      smtpUrl: undefined,
      mailFrom: 'Portico <no-reply@localhost>',
      orgCreationLimit: 1,
      pendingInvitationLimit: 500,
      invitationTtlHours: 168,
      orgAuditRetentionDays: 365,
      rateLimit: true,
      gatewayTokens: [],
      metricsToken: undefined,
    })
  })

  it('reads every variable', () => {
    expect(
      readConfig({
        PORT: '8080',
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgres://u:p@db:6432/portico',
        DATABASE_DIRECT_URL: 'postgres://u:p@db:5432/portico',
        DATA_DIR: '/var/lib/portico',
        PUBLIC_URL: 'https://portal.example.com/',
        SMTP_URL: 'smtp://127.0.0.1:2525',
        MAIL_FROM: 'Acme <hello@acme.test>',
        ORG_CREATION_LIMIT: '0',
        PENDING_INVITATION_LIMIT: '100000000',
        INVITATION_TTL_HOURS: '0.5',
        ORG_AUDIT_RETENTION_DAYS: '30',
        RATE_LIMIT: 'off',
        GATEWAY_TOKEN: ' one, two ,,',
        METRICS_TOKEN: ' scrape ',
      }),
    ).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://u:p@db:6432/portico',
      databaseDirectUrl: 'postgres://u:p@db:5432/portico',
      dataDir: '/var/lib/portico',
      publicUrl: 'https://portal.example.com',
      smtpUrl: 'smtp://127.0.0.1:2525',
      mailFrom: 'Acme <hello@acme.test>',
      orgCreationLimit: 0,
      pendingInvitationLimit: 100_000_000,
      invitationTtlHours: 0.5,
      orgAuditRetentionDays: 30,
      rateLimit: false,
      gatewayTokens: ['one', 'two'],
      metricsToken: 'scrape',
    })
  })

  it('derives PUBLIC_URL from PORT', () => {
    expect(readConfig({ PORT: '4000' }).publicUrl).toBe('http://localhost:4000')
  })

  it.each([
    ['PORT', 'abc', 'PORT must be a whole number from 0 to 65535 (got "abc")'],
    ['PORT', '70000', 'PORT must be a whole number from 0 to 65535 (got "70000")'],
    ['DATABASE_URL', 'nonsense', 'DATABASE_URL must be a URL starting with postgres: or postgresql:'],
    ['DATABASE_URL', 'mysql://db/x', 'DATABASE_URL must be a URL starting with postgres: or postgresql:'],
    ['PUBLIC_URL', 'ftp://x', 'PUBLIC_URL must be a URL starting with http: or https: (got "ftp://x")'],
    ['SMTP_URL', 'localhost:25', 'SMTP_URL must be a URL starting with smtp: or smtps:'],
    [
      'PENDING_INVITATION_LIMIT',
      '0',
      'PENDING_INVITATION_LIMIT must be a whole number from 1 to 9007199254740991 (got "0")',
    ],
    [
      'DATABASE_DIRECT_URL',
      'mysql://db/x',
      'DATABASE_DIRECT_URL must be a URL starting with postgres: or postgresql:',
    ],
    [
      'ORG_AUDIT_RETENTION_DAYS',
      '1y',
      'ORG_AUDIT_RETENTION_DAYS must be a whole number from 0 to 100000 (got "1y")',
    ],
    ['ORG_CREATION_LIMIT', '-1', 'ORG_CREATION_LIMIT must be a whole number from 0 to 1000000 (got "-1")'],
    [
      'INVITATION_TTL_HOURS',
      '0',
      'INVITATION_TTL_HOURS must be a number of hours above 0, up to 8760 (got "0")',
    ],
    [
      'INVITATION_TTL_HOURS',
      'soon',
      'INVITATION_TTL_HOURS must be a number of hours above 0, up to 8760 (got "soon")',
    ],
    ['RATE_LIMIT', 'maybe', 'RATE_LIMIT must be "on" or "off" (got "maybe")'],
    ['MAIL_FROM', 'nobody', 'MAIL_FROM must be one address, such as "Portico <no-reply@example.com>"'],
  ])('refuses %s=%s with one line naming the variable', (variable, value, message) => {
    const read = () => readConfig({ [variable]: value })
    expect(read).toThrow(ConfigError)
    expect(read).toThrow(message)
  })

  it('refuses DATABASE_DIRECT_URL without DATABASE_URL', () => {
    expect(() => readConfig({ DATABASE_DIRECT_URL: 'postgres://db/portico' })).toThrow(
      'DATABASE_DIRECT_URL needs DATABASE_URL (the pooled connection) set too',
    )
  })

  it('never repeats the value of a secret-bearing URL in its message', () => {
    expect(() => readConfig({ DATABASE_URL: 'mysql://user:hunter2@db/x' })).toThrow(/^(?!.*hunter2).*$/)
  })
})
