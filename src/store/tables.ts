// Row types of every table, as the database holds them (snake_case). Rows stop at the
// repositories: nothing outside store/ sees these types.
import type { ColumnType, Generated } from 'kysely'

type CreatedAt = ColumnType<Date, Date | undefined, never>

export interface UsersTable {
  id: Generated<string>
  email: string
  name: string
  password_hash: string
  email_verified_at: Date | null
  created_at: CreatedAt
  last_active_organization_id: Generated<string | null>
}

export interface SessionsTable {
  id: Generated<string>
  token_hash: string
  user_id: string
  created_at: CreatedAt
  last_seen_at: Date
  expires_at: Date
  active_organization_id: Generated<string | null>
  user_agent: string | null
}

export interface KnownDevicesTable {
  id: Generated<string>
  token_hash: string
  user_id: string
  created_at: Date
}

export type UserTokenPurpose = 'email_verification' | 'password_reset'

export interface UserTokensTable {
  id: Generated<string>
  user_id: string
  purpose: UserTokenPurpose
  token_hash: string
  created_at: CreatedAt
  expires_at: Date
  used_at: Date | null
}

export type JobStatus = 'pending' | 'succeeded' | 'failed'

/** The outbox (migration 0014): mail, webhook deliveries, provider calls. */
export interface JobsTable {
  id: Generated<string>
  kind: string
  organization_id: string | null
  subject_id: string | null
  payload: unknown
  status: Generated<JobStatus>
  attempts: Generated<number>
  next_attempt_at: Date
  lease_until: Date | null
  last_status_code: number | null
  last_error: string | null
  delivered_via: string | null
  created_at: CreatedAt
  completed_at: Date | null
}

export interface WebhooksTable {
  organization_id: string
  id: Generated<string>
  url: string
  events: string[]
  description: string
  secret: string
  enabled: Generated<boolean>
  disabled_reason: string | null
  failing_since: Date | null
  created_at: Date
}

export interface DevelopersTable {
  organization_id: string
  provider: string
  state: 'pending' | 'active' | 'failed'
  last_error: string | null
  synced_at: Date | null
  created_at: Date
}

/** A read-only view of the mail jobs (migration 0014), as the mail outbox table was. */
export interface MailOutboxTable {
  id: Generated<string>
  recipient: string
  subject: string
  text_body: string
  html_body: string
  created_at: CreatedAt
  attempts: Generated<number>
  next_attempt_at: Date
  lease_until: Date | null
  sent_at: Date | null
  failed_at: Date | null
  last_error: string | null
  delivered_via: string | null
  attachments: unknown
}

export interface InvitationsTable {
  organization_id: string
  id: Generated<string>
  email: string
  roles: string[]
  status: string
  token_hash: string
  invited_by: string | null
  created_at: Date
  expires_at: Date
  responded_at: Date | null
}

export interface OrganizationsTable {
  id: Generated<string>
  handle: string
  name: string
  logo_etag: string | null
  created_by: string | null
  created_at: Date
}

export interface MembershipsTable {
  organization_id: string
  user_id: string
  roles: string[]
  joined_at: Date
}

export interface OrganizationLogosTable {
  organization_id: string
  content_type: string
  bytes: Uint8Array
  etag: string
  updated_at: Date
}

export interface AuditEventsTable {
  organization_id: string
  /** bigint: strings from the driver. */
  seq: string | number
  id: string
  type: string
  occurred_at: Date
  actor_type: string
  actor_id: string | null
  actor_name: string
  target_type: string
  target_id: string
  /** jsonb: written as JSON text, read back parsed. */
  data: unknown
  request_id: string | null
  hash: string
}

/** An event recorded by a committed change and not chained yet (migration 0017). */
export interface AuditEventQueueTable extends Omit<AuditEventsTable, 'seq' | 'hash'> {
  position: Generated<string | number>
}

export interface AuditChainHeadsTable {
  organization_id: string
  seq: string | number
  hash: string
  deleted_at: Date | null
}

interface TenantRow {
  organization_id: string
  id: Generated<string>
  created_at: Date
}

export interface ApisTable extends TenantRow {
  name: string
  version: string
  base_path: string
  description: Generated<string>
  status: string
  created_by: string | null
}

export interface EnvironmentsTable extends TenantRow {
  name: string
}

export interface ApplicationsTable extends TenantRow {
  name: string
  description: Generated<string>
  created_by: string | null
}

export interface SubscriptionsTable extends TenantRow {
  application_id: string
  api_id: string
  plan: Generated<string>
}

export interface PlansTable {
  organization_id: string
  api_id: string
  name: string
  title: string
  requests_per_minute: number | null
  requests_per_day: number | null
  position: Generated<number>
}

export interface PlanCountersTable {
  organization_id: string
  application_id: string
  api_id: string
  window_kind: 'minute' | 'day'
  window_start: Date
  count: ColumnType<string, number, number>
}

interface UsageRow {
  organization_id: string
  application_id: string
  api_id: string | null
  key_id: string
  outcome: string
  count: ColumnType<string, number, number>
}

export interface UsageHourlyTable extends UsageRow {
  hour: Date
}

export interface UsageDailyTable extends UsageRow {
  day: Date
}

export interface ApiKeysTable extends TenantRow {
  application_id: string
  environment_id: string
  name: string
  prefix: string
  last4: string
  key_hash: string
  created_by: string | null
  last_used_at: Date | null
  /** When the key stops verifying: its lifetime, or the end of a rotation's grace period if sooner. */
  expires_at: Date | null
  /** The lifetime the key was issued with; a rotation's grace never changes it (migration 0010). */
  issued_expires_at: Date | null
  revoked_at: Date | null
}

/** One key a write announced (migration 0012); `xact` is the writing transaction's id (xid8, as text). */
export interface AccessAnnouncementsTable {
  id: Generated<string>
  xact: Generated<string>
  key: string
  at: Generated<Date>
}

/** Pending invitations per organization, spread over shards (migration 0012); kept by a trigger. */
export interface InvitationTalliesTable {
  organization_id: string
  shard: number
  pending: number
}

export interface Tables {
  users: UsersTable
  sessions: SessionsTable
  known_devices: KnownDevicesTable
  user_tokens: UserTokensTable
  mail_outbox: MailOutboxTable
  jobs: JobsTable
  webhooks: WebhooksTable
  developers: DevelopersTable
  organizations: OrganizationsTable
  memberships: MembershipsTable
  organization_logos: OrganizationLogosTable
  audit_events: AuditEventsTable
  audit_chain_heads: AuditChainHeadsTable
  audit_event_queue: AuditEventQueueTable
  invitations: InvitationsTable
  apis: ApisTable
  environments: EnvironmentsTable
  applications: ApplicationsTable
  subscriptions: SubscriptionsTable
  api_keys: ApiKeysTable
  access_announcements: AccessAnnouncementsTable
  invitation_tallies: InvitationTalliesTable
  plans: PlansTable
  plan_counters: PlanCountersTable
  usage_hourly: UsageHourlyTable
  usage_daily: UsageDailyTable
}
