// The event catalog's types by group, as the audit log's type filter and the webhook event picker
// show them. The catalog itself is the server's (src/domain/events.ts): a new type appears here by
// itself, and a new group without a title fails to compile.
import { eventTypes, type TargetType, targetTypeOf } from '../../../src/domain/events.ts'

/** The event groups, in the order pickers show them; a new target type without a title fails to compile. */
const groupTitles: Record<TargetType, string> = {
  organization: 'Organization',
  member: 'Members',
  invitation: 'Invitations',
  api: 'APIs',
  environment: 'Environments',
  application: 'Applications',
  subscription: 'Subscriptions',
  key: 'API keys',
  developer: 'Developer identity',
  webhook: 'Webhooks',
}

/** The catalog's types by group (a group's types all begin with `group.`). */
export const eventGroups = (Object.keys(groupTitles) as TargetType[]).map((group) => ({
  group,
  title: groupTitles[group],
  types: eventTypes.filter((type) => targetTypeOf(type) === group),
}))
