// orgs, members, invitations: the organization and who belongs to it.

import type { Command } from 'commander'
import { all } from '../../../packages/sdk/src/index.ts'
import { readSession, saveSession } from '../cli-session.ts'
import { contextOf } from '../command-context.ts'
import { UsageError } from '../output.ts'

const roleList = (value: string, previous: string[] = []) => [
  ...previous,
  ...value.split(',').filter(Boolean),
]

export function registerOrganizationCommands(program: Command) {
  const orgs = program.command('orgs').description('Your organizations')
  orgs
    .command('list')
    .description('The organizations you belong to, with your roles')
    .action(async (_options, command: Command) => {
      const { client, session, print } = contextOf(command)
      const current = (await session()).organization
      const items = await all((await client()).organizations.list())
      print.list(items, [
        ['', (row) => (row.id === current || row.handle === current ? '*' : '')],
        ['HANDLE', (row) => row.handle],
        ['NAME', (row) => row.name],
        ['ROLES', (row) => row.roles],
        ['ID', (row) => row.id],
      ])
    })
  orgs
    .command('create')
    .description('Create an organization (you become its owner)')
    .argument('<name>', "the organization's name")
    .option('--handle <handle>', 'its handle (default: derived from the name)')
    .action(async (name: string, options: { handle?: string }, command: Command) => {
      const { client, print } = contextOf(command)
      const created = await (await client()).organizations.create({ name, handle: options.handle })
      print.one(created, [
        ['HANDLE', (row) => row.handle],
        ['NAME', (row) => row.name],
        ['ID', (row) => row.id],
      ])
    })
  orgs
    .command('switch')
    .description('Make an organization the one commands act on (here and in the console)')
    .argument('<org>', 'its ID or handle')
    .action(async (org: string, _options, command: Command) => {
      const { client, session, print } = contextOf(command)
      const portico = await client()
      const { activeOrganizationId } = await portico.me.switchOrganization(org)
      const stored = await readSession()
      if (stored) await saveSession({ ...stored, organization: activeOrganizationId ?? undefined })
      const { url } = await session()
      print.done(`Now acting on ${org} (${activeOrganizationId}) at ${url}`, { activeOrganizationId })
    })

  const members = program.command('members').description("The organization's members and their roles")
  members
    .command('list')
    .description('Members with their roles and join dates')
    .option('--q <text>', 'only names or emails containing this')
    .action(async (options: { q?: string }, command: Command) => {
      const { client, organization, print } = contextOf(command)
      const items = await all((await client()).members.list(await organization(), { q: options.q }))
      print.list(items, [
        ['NAME', (row) => row.name],
        ['EMAIL', (row) => row.email],
        ['ROLES', (row) => row.roles],
        ['JOINED', (row) => row.joinedAt],
        ['USER ID', (row) => row.userId],
      ])
    })
  members
    .command('invite')
    .description('Invite someone by email with roles (an email goes out)')
    .argument('<email>')
    .requiredOption('--role <roles>', 'a role to grant (repeat, or comma-separate)', roleList)
    .action(async (email: string, options: { role: string[] }, command: Command) => {
      const { client, organization, print } = contextOf(command)
      const invitation = await (await client()).invitations.create(await organization(), {
        email,
        roles: options.role as never,
      })
      print.one(invitation, invitationColumns)
    })
  members
    .command('set-roles')
    .description("Replace a member's roles")
    .argument('<member>', 'their user ID or email')
    .argument('<roles...>', 'the roles they will hold')
    .action(async (member: string, roles: string[], _options, command: Command) => {
      const { client, organization, print } = contextOf(command)
      const portico = await client()
      const org = await organization()
      const userId = await userIdOf(portico, org, member)
      const updated = await portico.members.setRoles(
        org,
        userId,
        roles.flatMap((role) => roleList(role)) as never,
      )
      print.one(updated, [
        ['NAME', (row) => row.name],
        ['EMAIL', (row) => row.email],
        ['ROLES', (row) => row.roles],
      ])
    })
  members
    .command('remove')
    .description('Remove a member (your own ID or email: leave)')
    .argument('<member>', 'their user ID or email')
    .option('--revoke-keys', 'also revoke every live key they created')
    .action(async (member: string, options: { revokeKeys?: boolean }, command: Command) => {
      const { client, organization, print } = contextOf(command)
      const portico = await client()
      const org = await organization()
      const userId = await userIdOf(portico, org, member)
      await portico.members.remove(org, userId, { revokeKeys: options.revokeKeys === true })
      print.done(`Removed ${member}`, { removed: userId })
    })

  const invitations = program.command('invitations').description("The organization's invitations")
  invitations
    .command('list')
    .description('Invitations, pending first')
    .option('--status <status>', 'pending, accepted, declined, revoked or expired')
    .action(async (options: { status?: string }, command: Command) => {
      const { client, organization, print } = contextOf(command)
      const items = await all(
        (await client()).invitations.list(await organization(), { status: options.status as never }),
      )
      print.list(items, invitationColumns)
    })
  invitations
    .command('resend')
    .description('Send a pending invitation again, with a new link and expiry')
    .argument('<id>', "the invitation's ID")
    .action(async (id: string, _options, command: Command) => {
      const { client, organization, print } = contextOf(command)
      print.one(await (await client()).invitations.resend(await organization(), id), invitationColumns)
    })
  invitations
    .command('revoke')
    .description('Revoke an invitation: its link stops working')
    .argument('<id>', "the invitation's ID")
    .action(async (id: string, _options, command: Command) => {
      const { client, organization, print } = contextOf(command)
      await (await client()).invitations.revoke(await organization(), id)
      print.done(`Revoked invitation ${id}`, { revoked: id })
    })
}

type InvitationRow = {
  id: string
  email: string
  roles: string[]
  status: string
  expiresAt: string
  invitedBy: { name: string }
}
const invitationColumns: [string, (row: InvitationRow) => unknown][] = [
  ['EMAIL', (row) => row.email],
  ['ROLES', (row) => row.roles],
  ['STATUS', (row) => row.status],
  ['INVITED BY', (row) => row.invitedBy.name],
  ['EXPIRES', (row) => row.expiresAt],
  ['ID', (row) => row.id],
]

async function userIdOf(
  portico: Awaited<ReturnType<ReturnType<typeof contextOf>['client']>>,
  org: string,
  member: string,
) {
  if (!member.includes('@')) return member
  const found = (await all(portico.members.list(org, { q: member }))).find(
    (candidate) => candidate.email.toLowerCase() === member.toLowerCase(),
  )
  if (!found) throw new UsageError(`no member has the email ${member}`)
  return found.userId
}
