// Reads and validates the environment once, at start. A bad value stops the process with one line
// that names the variable (never a stack trace, never the value of a secret).
import { parseDuration, parseDurationList } from './domain/durations.ts'

export type ProviderPortal = 'none' | 'api7'

export interface Config {
  port: number
  host: string
  /** Unset: the embedded PGlite database in dataDir. */
  databaseUrl: string | undefined
  /**
   * A direct (not pooled) connection to the same database, for what needs a session of its own
   * (listening for changes, migrating); unset: databaseUrl.
   */
  databaseDirectUrl: string | undefined
  /** DATABASE_PREPARED_STATEMENTS: auto (on unless the connections are pooled per transaction), on, off. */
  databasePreparedStatements: 'auto' | 'on' | 'off'
  dataDir: string
  /** Base of links in mails, without a trailing slash. */
  publicUrl: string
  /** Unset: mails are written to the log. */
  smtpUrl: string | undefined
  mailFrom: string
  /** 0 means no limit. */
  orgCreationLimit: number
  /** Pending invitations one organization may hold at once. */
  pendingInvitationLimit: number
  invitationTtlHours: number
  /** How long a deleted organization's audit events are kept, in days. */
  orgAuditRetentionDays: number
  rateLimit: boolean
  gatewayTokens: string[]
  /** Unset: /metrics is open to whoever reaches the listening address. */
  metricsToken: string | undefined
  /** WEBHOOK_ALLOW_PRIVATE=on: webhooks may target loopback and private addresses. */
  webhookAllowPrivate: boolean
  /** Delays between attempts of a webhook delivery or a provider call, in milliseconds. */
  webhookRetrySchedule: number[]
  /** An endpoint failing every delivery for this long is disabled, in milliseconds. */
  webhookDisableAfterMs: number
  providerPortal: ProviderPortal
  /** The provider portal's API base URL, without a trailing slash (set when providerPortal is api7). */
  providerPortalUrl: string | undefined
  providerPortalToken: string | undefined
  /** required: an organization is created only once its developer identity is. */
  providerProvisioning: 'async' | 'required'
}

export class ConfigError extends Error {
  readonly variable: string
  constructor(variable: string, message: string) {
    super(`${variable} ${message}`)
    this.name = 'ConfigError'
    this.variable = variable
  }
}

type Env = Record<string, string | undefined>

function value(env: Env, name: string): string | undefined {
  const raw = env[name]
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim()
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env, name)
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${raw}")`)
  }
  return Number(raw)
}

function url(env: Env, name: string, protocols: string[], secret: boolean): string | undefined {
  const raw = value(env, name)
  if (raw === undefined) return undefined
  const shown = secret ? '' : ` (got "${raw}")`
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(name, `must be a URL starting with ${protocols.join(' or ')}${shown}`)
  }
  if (!protocols.includes(parsed.protocol) || parsed.hostname === '') {
    throw new ConfigError(name, `must be a URL starting with ${protocols.join(' or ')}${shown}`)
  }
  return raw
}

export function readConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535)
  const host = value(env, 'HOST') ?? '127.0.0.1'
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], true)
  const databaseDirectUrl = url(env, 'DATABASE_DIRECT_URL', ['postgres:', 'postgresql:'], true)
  if (databaseDirectUrl !== undefined && databaseUrl === undefined) {
    throw new ConfigError('DATABASE_DIRECT_URL', 'needs DATABASE_URL (the pooled connection) set too')
  }
  const databasePreparedStatements = (value(env, 'DATABASE_PREPARED_STATEMENTS') ?? 'auto').toLowerCase()
  if (
    databasePreparedStatements !== 'auto' &&
    databasePreparedStatements !== 'on' &&
    databasePreparedStatements !== 'off'
  ) {
    throw new ConfigError(
      'DATABASE_PREPARED_STATEMENTS',
      `must be "auto", "on" or "off" (got "${databasePreparedStatements}")`,
    )
  }
  const dataDir = value(env, 'DATA_DIR') ?? './data'
  const publicUrl = (
    url(env, 'PUBLIC_URL', ['http:', 'https:'], false) ?? `http://localhost:${port}`
  ).replace(/\/+$/, '')
  const smtpUrl = url(env, 'SMTP_URL', ['smtp:', 'smtps:'], true)
  const mailFrom = value(env, 'MAIL_FROM') ?? 'Portico <no-reply@localhost>'
  if (/[\r\n]/.test(mailFrom) || !/@/.test(mailFrom)) {
    throw new ConfigError('MAIL_FROM', `must be one address, such as "Portico <no-reply@example.com>"`)
  }
  const orgCreationLimit = integer(env, 'ORG_CREATION_LIMIT', 1, 0, 1_000_000)
  const pendingInvitationLimit = integer(env, 'PENDING_INVITATION_LIMIT', 500, 1, Number.MAX_SAFE_INTEGER)

  const ttlRaw = value(env, 'INVITATION_TTL_HOURS')
  const invitationTtlHours = ttlRaw === undefined ? 168 : Number(ttlRaw)
  if (!/^\d*\.?\d+$/.test(ttlRaw ?? '168') || !(invitationTtlHours > 0) || invitationTtlHours > 24 * 365) {
    throw new ConfigError(
      'INVITATION_TTL_HOURS',
      `must be a number of hours above 0, up to 8760 (got "${ttlRaw}")`,
    )
  }

  const orgAuditRetentionDays = integer(env, 'ORG_AUDIT_RETENTION_DAYS', 365, 0, 100_000)

  const rateLimitRaw = (value(env, 'RATE_LIMIT') ?? 'on').toLowerCase()
  if (!['on', 'off'].includes(rateLimitRaw)) {
    throw new ConfigError('RATE_LIMIT', `must be "on" or "off" (got "${rateLimitRaw}")`)
  }

  const gatewayTokens = (value(env, 'GATEWAY_TOKEN') ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '')

  const webhookAllowPrivate = onOff(env, 'WEBHOOK_ALLOW_PRIVATE', 'off')
  const scheduleRaw = value(env, 'WEBHOOK_RETRY_SCHEDULE') ?? '5s,5m,30m,2h,5h,10h,10h'
  const webhookRetrySchedule = parseDurationList(scheduleRaw)
  if (!webhookRetrySchedule || webhookRetrySchedule.length > 50) {
    throw new ConfigError(
      'WEBHOOK_RETRY_SCHEDULE',
      `must be up to 50 comma-separated durations such as 5s,5m,2h,1d (got "${scheduleRaw}")`,
    )
  }
  const disableAfterRaw = value(env, 'WEBHOOK_DISABLE_AFTER') ?? '5d'
  const webhookDisableAfterMs = parseDuration(disableAfterRaw)
  if (webhookDisableAfterMs === undefined) {
    throw new ConfigError(
      'WEBHOOK_DISABLE_AFTER',
      `must be a duration such as 5d or 12h (got "${disableAfterRaw}")`,
    )
  }
  const providerPortal = (value(env, 'PROVIDER_PORTAL') ?? 'none').toLowerCase()
  if (providerPortal !== 'none' && providerPortal !== 'api7') {
    throw new ConfigError('PROVIDER_PORTAL', `must be "none" or "api7" (got "${providerPortal}")`)
  }
  const providerPortalUrl = url(env, 'PROVIDER_PORTAL_URL', ['http:', 'https:'], false)?.replace(/\/+$/, '')
  const providerPortalToken = value(env, 'PROVIDER_PORTAL_TOKEN')
  if (providerPortal === 'api7' && !providerPortalUrl) {
    throw new ConfigError('PROVIDER_PORTAL_URL', 'must be set when PROVIDER_PORTAL=api7')
  }
  if (providerPortal === 'api7' && !providerPortalToken) {
    throw new ConfigError('PROVIDER_PORTAL_TOKEN', 'must be set when PROVIDER_PORTAL=api7')
  }
  const provisioning = (value(env, 'PROVIDER_PROVISIONING') ?? 'async').toLowerCase()
  if (provisioning !== 'async' && provisioning !== 'required') {
    throw new ConfigError('PROVIDER_PROVISIONING', `must be "async" or "required" (got "${provisioning}")`)
  }

  return {
    port,
    host,
    databaseUrl,
    databaseDirectUrl,
    databasePreparedStatements,
    dataDir,
    publicUrl,
    smtpUrl,
    mailFrom,
    orgCreationLimit,
    pendingInvitationLimit,
    invitationTtlHours,
    orgAuditRetentionDays,
    rateLimit: rateLimitRaw === 'on',
    gatewayTokens,
    metricsToken: value(env, 'METRICS_TOKEN'),
    webhookAllowPrivate,
    webhookRetrySchedule,
    webhookDisableAfterMs,
    providerPortal,
    providerPortalUrl,
    providerPortalToken,
    providerProvisioning: provisioning,
  }
}

function onOff(env: Env, name: string, fallback: 'on' | 'off'): boolean {
  const raw = (value(env, name) ?? fallback).toLowerCase()
  if (raw !== 'on' && raw !== 'off') throw new ConfigError(name, `must be "on" or "off" (got "${raw}")`)
  return raw === 'on'
}
