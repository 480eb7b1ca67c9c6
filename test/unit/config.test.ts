import { describe, expect, it } from 'vitest'
import { ConfigError, readConfig } from '../../src/config.ts'

describe('configuration', () => {
  it('has the defaults of DESIGN.md', () => {
    expect(readConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      databaseDirectUrl: undefined,
      databasePreparedStatements: 'auto',
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
      webhookAllowPrivate: false,
      webhookRetrySchedule: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
      webhookDisableAfterMs: 5 * 86_400_000,
      providerPortal: 'none',
      providerPortalUrl: undefined,
      providerPortalToken: undefined,
      providerProvisioning: 'async',
    })
  })

  it('reads every variable', () => {
    expect(
      readConfig({
        PORT: '8080',
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgres://u:p@db:6432/portico',
        DATABASE_DIRECT_URL: 'postgres://u:p@db:5432/portico',
        DATABASE_PREPARED_STATEMENTS: 'Off',
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
        WEBHOOK_ALLOW_PRIVATE: 'on',
        WEBHOOK_RETRY_SCHEDULE: '1s, 2m,3h,1d',
        WEBHOOK_DISABLE_AFTER: '12h',
        PROVIDER_PORTAL: 'api7',
        PROVIDER_PORTAL_URL: 'https://portal.example.com:4321/',
        PROVIDER_PORTAL_TOKEN: 'a7prt-secret',
        PROVIDER_PROVISIONING: 'required',
      }),
    ).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://u:p@db:6432/portico',
      databaseDirectUrl: 'postgres://u:p@db:5432/portico',
      databasePreparedStatements: 'off',
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
      webhookAllowPrivate: true,
      webhookRetrySchedule: [1_000, 120_000, 10_800_000, 86_400_000],
      webhookDisableAfterMs: 43_200_000,
      providerPortal: 'api7',
      providerPortalUrl: 'https://portal.example.com:4321',
      providerPortalToken: 'a7prt-secret',
      providerProvisioning: 'required',
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
      'DATABASE_PREPARED_STATEMENTS',
      'sometimes',
      'DATABASE_PREPARED_STATEMENTS must be "auto", "on" or "off" (got "sometimes")',
    ],
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
    ['WEBHOOK_ALLOW_PRIVATE', 'yes', 'WEBHOOK_ALLOW_PRIVATE must be "on" or "off" (got "yes")'],
    [
      'WEBHOOK_RETRY_SCHEDULE',
      '5s,soon',
      'WEBHOOK_RETRY_SCHEDULE must be up to 50 comma-separated durations such as 5s,5m,2h,1d (got "5s,soon")',
    ],
    ['WEBHOOK_DISABLE_AFTER', '5', 'WEBHOOK_DISABLE_AFTER must be a duration such as 5d or 12h (got "5")'],
    ['PROVIDER_PORTAL', 'kong', 'PROVIDER_PORTAL must be "none" or "api7" (got "kong")'],
    ['PROVIDER_PORTAL', 'api7', 'PROVIDER_PORTAL_URL must be set when PROVIDER_PORTAL=api7'],
    ['PROVIDER_PROVISIONING', 'sync', 'PROVIDER_PROVISIONING must be "async" or "required" (got "sync")'],
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
