// Every migration, in order. Listed explicitly so the set is fixed at build time, not read from disk.
import type { Migration } from 'kysely/migration'
import * as identity from './0001_identity.ts'
import * as organizations from './0002_organizations.ts'
import * as invitations from './0003_invitations.ts'
import * as portal from './0004_portal.ts'
import * as memberSearch from './0005_member_search.ts'
import * as accessEvents from './0006_access_events.ts'
import * as memberSearchOneIndex from './0007_member_search_one_index.ts'
import * as keyEvents from './0008_key_events.ts'
import * as sessionDevices from './0009_session_devices.ts'
import * as keyLifetimes from './0010_key_lifetimes.ts'
import * as announcementsAndTallies from './0012_announcements_and_tallies.ts'
import * as quieterWrites from './0012_quieter_writes.ts'
import * as auditChain from './0013_audit_chain.ts'
import * as jobs from './0014_jobs.ts'
import * as webhooksDevelopers from './0015_webhooks_developers.ts'
import * as plansAndUsage from './0016_plans_and_usage.ts'
import * as eventQueue from './0017_event_queue.ts'
import * as triggerPlans from './0018_trigger_plans.ts'
import * as rememberedOrganization from './0019_remembered_organization.ts'

export const migrations: Record<string, Migration> = {
  '0001_identity': identity,
  '0002_organizations': organizations,
  '0003_invitations': invitations,
  '0004_portal': portal,
  '0005_member_search': memberSearch,
  '0006_access_events': accessEvents,
  '0007_member_search_one_index': memberSearchOneIndex,
  '0008_key_events': keyEvents,
  '0009_session_devices': sessionDevices,
  '0010_key_lifetimes': keyLifetimes,
  '0012_announcements_and_tallies': announcementsAndTallies,
  '0012_quieter_writes': quieterWrites,
  '0013_audit_chain': auditChain,
  '0016_plans_and_usage': plansAndUsage,
  '0014_jobs': jobs,
  '0015_webhooks_developers': webhooksDevelopers,
  '0017_event_queue': eventQueue,
  '0018_trigger_plans': triggerPlans,
  '0019_remembered_organization': rememberedOrganization,
}
