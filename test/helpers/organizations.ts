// Factories for organization tests: an organization with members holding chosen roles.
import type { RoleName } from '../../src/domain/permissions.ts'
import type { App } from '../../src/http/app-instance.ts'
import { chainQueuedEvents } from '../../src/services/events/audit-chain.ts'
import type { Executor } from '../../src/store/executor.ts'
import { call, signUp } from './http.ts'
import { linkIn, type MailCatcher } from './mail-catcher.ts'
import { PUBLIC_URL, type TestPortico } from './test-portico.ts'

export interface Person {
  user: { id: string; email: string; name: string }
  token: string
  email: string
}

export async function createOrganization(app: App, owner: Person, name = 'Acme Corp', handle?: string) {
  const answer = await call(app, 'POST', '/v1/organizations', { token: owner.token, body: { name, handle } })
  if (answer.status !== 201) throw new Error(`create organization failed: ${answer.status} ${answer.text}`)
  return answer.body as { id: string; handle: string; name: string }
}

/** Puts a new person into the organization with `roles`, directly in the database (invitations come later). */
export async function addMember(
  portico: TestPortico,
  organizationId: string,
  roles: RoleName[],
  name = 'Member',
) {
  const person = (await signUp(portico.app, { name })) as Person
  await portico.database.db
    .insertInto('memberships')
    .values({
      organization_id: organizationId,
      user_id: person.user.id,
      roles,
      joined_at: portico.clock.now(),
    })
    .execute()
  return person
}

/** The types of the organization's events, oldest first. */
export async function eventTypes(db: Executor, organizationId: string): Promise<string[]> {
  await chainQueuedEvents(db, organizationId, 'wait')
  const rows = await db
    .selectFrom('audit_events')
    .select('type')
    .where('organization_id', '=', organizationId)
    .orderBy('seq')
    .execute()
  return rows.map((row) => row.type)
}

/** The token at the end of a mailed link (…/invitations/<token>, …/verify-email/<token>). */
export const tokenOf = (link: string) => link.slice(link.lastIndexOf('/') + 1)

/** `inviter` invites `email` into `org`; the invitation and the token from the mail it sent. */
export async function inviteByMail(
  app: App,
  mail: MailCatcher,
  org: { id: string },
  inviter: Person,
  email: string,
  roles: string[] = ['member'],
) {
  const answer = await call(app, 'POST', `/v1/organizations/${org.id}/invitations`, {
    token: inviter.token,
    body: { email, roles },
  })
  if (answer.status !== 201) throw new Error(`invite failed: ${answer.status} ${answer.text}`)
  const link = linkIn(await mail.next(email), `${PUBLIC_URL}/invitations/`)
  return { invitation: answer.body, token: tokenOf(link), link }
}
