// Members and invitations: the table with roles and join dates, search, editing roles (from the
// Edit button or a role chip), removing, leaving; inviting by email, and the invitations (pending
// first, by status) with resend and revoke. What may be offered is decided by the server's own
// policies (domain/membership-policy.ts), so the console offers only what can succeed.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useState } from 'react'
import type { Decision } from '../../../src/domain/errors.ts'
import {
  canAssignRoles,
  canRemoveMember,
  checkRoleCombination,
  isAccessLevel,
  type MemberRoles,
} from '../../../src/domain/membership-policy.ts'
import type { RoleName } from '../../../src/domain/permissions.ts'
import { api, type Invitation, type Member, type Organization, type Role } from '../api/client.ts'
import { navigate } from '../router.ts'
import {
  ConfirmDialog,
  Dialog,
  ErrorMessage,
  Field,
  Form,
  LoadError,
  Loading,
  useDocumentTitle,
} from '../ui.tsx'
import { expiryText } from './relative-time.ts'

/** The signed-in member as the domain's policies see them. */
const actorIn = (organization: Organization, meId: string): MemberRoles => ({
  userId: meId,
  roles: organization.roles,
})

/** Why a refused decision refused, as a sentence. */
const reasonOf = (decision: Decision) =>
  decision.ok ? undefined : `${decision.message.charAt(0).toUpperCase()}${decision.message.slice(1)}.`

/**
 * The role picker of the invite and edit dialogs: the access level (Owner, Administrator, Member or
 * none) as one choice, Choreo's roles below as additions. Only roles the actor may grant are offered
 * (one the member holds already stays, ticked and disabled); an option whose choice would make a
 * combination the server refuses is disabled with the domain's reason beside it.
 */
function RolePicker(props: {
  roles: Role[]
  actor: MemberRoles
  /** The member being edited; undefined for a newcomer (invitation). */
  target?: MemberRoles
  chosen: RoleName[]
  onChange: (roles: RoleName[]) => void
}) {
  const id = useId()
  // Until the roles are read there is nothing to choose from (and None alone would mislead).
  if (props.roles.length === 0) return <Loading />
  const held = props.target?.roles ?? []
  // Granting and taking away need the same permissions, so asking for a newcomer answers both.
  const mayGrant = (role: RoleName) => canAssignRoles(props.actor, undefined, [role])
  const titleOf = (name: RoleName) => props.roles.find((role) => role.name === name)?.title ?? name
  const shown = props.roles.filter((role) => mayGrant(role.name).ok || held.includes(role.name))
  const level = props.chosen.find(isAccessLevel)
  const additions = props.chosen.filter((role) => !isAccessLevel(role))
  const option = (role: Role, kind: 'radio' | 'checkbox') => {
    const checked = props.chosen.includes(role.name)
    const next =
      kind === 'radio'
        ? [role.name, ...additions]
        : checked
          ? props.chosen.filter((r) => r !== role.name)
          : [...props.chosen, role.name]
    const grant = mayGrant(role.name)
    const combination = checked ? { ok: true as const } : checkRoleCombination(next)
    // A set is refused exactly when a pair in it is (a property test holds the domain to that), so
    // the roles already chosen that clash with this one are the ones to name beside it.
    const clashes = combination.ok
      ? []
      : next.filter((other) => other !== role.name && !checkRoleCombination([other, role.name]).ok)
    const reason = grant.ok ? reasonOf(combination) : reasonOf(grant)
    return (
      <label key={role.name}>
        <input
          type={kind}
          name={kind === 'radio' ? `${id}-level` : 'roles'}
          value={role.name}
          checked={checked}
          disabled={reason !== undefined}
          aria-describedby={reason ? `${id}-${role.name}-reason` : undefined}
          onChange={() => props.onChange(next)}
        />
        <span>
          <strong>{role.title}</strong> <small className="muted">{role.description}</small>
          {reason && (
            <small className="hint reason" id={`${id}-${role.name}-reason`} title={reason}>
              {grant.ok ? (
                <>
                  Not with {clashes.map(titleOf).join(' or ')}.
                  <span className="visually-hidden"> {reason}</span>
                </>
              ) : (
                reason
              )}
            </small>
          )}
        </span>
      </label>
    )
  }
  return (
    <>
      <fieldset className="roles">
        <legend>Access level</legend>
        {shown.filter((role) => isAccessLevel(role.name)).map((role) => option(role, 'radio'))}
        <label>
          <input
            type="radio"
            name={`${id}-level`}
            value=""
            checked={level === undefined}
            disabled={level !== undefined && !mayGrant(level).ok}
            onChange={() => props.onChange(additions)}
          />
          <span>
            <strong>None</strong> <small className="muted">Only the roles below.</small>
          </span>
        </label>
      </fieldset>
      <fieldset className="roles">
        <legend>Additional roles</legend>
        {shown.filter((role) => !isAccessLevel(role.name)).map((role) => option(role, 'checkbox'))}
      </fieldset>
    </>
  )
}

/** Why the chosen roles cannot be saved (none chosen, or a rule refuses them), or undefined. */
function choiceProblem(actor: MemberRoles, target: MemberRoles | undefined, chosen: RoleName[]) {
  if (chosen.length === 0) return 'Choose at least one role.'
  return reasonOf(checkRoleCombination(chosen)) ?? reasonOf(canAssignRoles(actor, target, chosen))
}

const dateOf = (iso: string) =>
  new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })

export function MembersPage({ organization, meId }: { organization: Organization; meId: string }) {
  useDocumentTitle('Members', organization.name)
  const queryClient = useQueryClient()
  const [q, setQ] = useState('')
  const [editing, setEditing] = useState<Member | undefined>()
  const [removing, setRemoving] = useState<Member | undefined>()
  const [chosen, setChosen] = useState<RoleName[]>([])
  const actor = actorIn(organization, meId)
  const roles = useQuery({ queryKey: ['roles', organization.id], queryFn: () => api.roles(organization.id) })
  const members = useInfiniteQuery({
    queryKey: ['members', organization.id, q],
    queryFn: ({ pageParam }) => api.members(organization.id, { q, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  })
  // A role change shows in every list of members (the audit log's people too); one's own also in
  // the organization's permissions and the switcher. A removal also takes away what went with the
  // membership (an external API subscriber's applications and keys).
  const refresh = async (userId: string, removed = false) => {
    const affected = [
      ['members', organization.id],
      ...(userId === meId
        ? [['organization', organization.handle], ['organization', organization.id], ['me']]
        : []),
      ...(removed ? [['applications', organization.id], ['application'], ['keys'], ['subscriptions']] : []),
    ]
    await Promise.all(affected.map((queryKey) => queryClient.invalidateQueries({ queryKey })))
  }
  const membersKey = ['members', organization.id, q]
  const change = useMutation({
    mutationFn: (target: { userId: string; roles: RoleName[] }) =>
      api.changeRoles(organization.id, target.userId, target.roles),
    // Optimistic: the chips change at once; a refusal puts them back and the dialog, still open,
    // shows why.
    onMutate: async (target) => {
      await queryClient.cancelQueries({ queryKey: membersKey })
      const before = queryClient.getQueryData(membersKey)
      queryClient.setQueryData(
        membersKey,
        (data: typeof members.data) =>
          data && {
            ...data,
            pages: data.pages.map((page) => ({
              ...page,
              items: page.items.map((m) => (m.userId === target.userId ? { ...m, roles: target.roles } : m)),
            })),
          },
      )
      return { before }
    },
    onSuccess: () => setEditing(undefined),
    onError: (_error, _target, context) => queryClient.setQueryData(membersKey, context?.before),
    onSettled: (_answer, _error, target) => refresh(target.userId),
  })
  const remove = useMutation({
    mutationFn: (member: Member) => api.removeMember(organization.id, member.userId),
    onSuccess: async (_, member) => {
      setRemoving(undefined)
      await refresh(member.userId, true)
      if (member.userId === meId) navigate('/', { replace: true })
    },
  })
  const canUpdate = organization.permissions.includes('member:update')
  const canRemove = organization.permissions.includes('member:remove')
  const titleOf = (name: string) => roles.data?.items.find((r) => r.name === name)?.title ?? name
  const items = members.data?.pages.flatMap((page) => page.items) ?? []
  const startEditing = (member: Member) => {
    setChosen(member.roles)
    change.reset()
    setEditing(member)
  }
  const editProblem = editing && choiceProblem(actor, editing, chosen)
  return (
    <section aria-labelledby="members-title">
      <div className="title-row">
        <h1 id="members-title">Members</h1>
        <button
          type="button"
          className="secondary danger"
          onClick={() => {
            remove.reset()
            setRemoving(items.find((m) => m.userId === meId))
          }}
        >
          Leave organization
        </button>
      </div>
      <div className="field search">
        <label htmlFor="member-search">Search members</label>
        <input
          id="member-search"
          type="search"
          value={q}
          placeholder="Name or email"
          onChange={(event) => setQ(event.target.value)}
        />
      </div>
      {members.isPending ? (
        <Loading />
      ) : members.isError ? (
        <LoadError what="the members" error={members.error} onRetry={() => void members.refetch()} />
      ) : items.length === 0 ? (
        <p className="muted">No members match “{q}”.</p>
      ) : (
        <div className="table-wrap">
          <table className="members">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Roles</th>
                <th scope="col">Joined</th>
                {(canUpdate || canRemove) && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((member) => {
                const edit = canAssignRoles(actor, member, member.roles)
                const removal = canRemoveMember(actor, member)
                const reasons = [
                  ...new Set(
                    [
                      canUpdate && reasonOf(edit),
                      canRemove && member.userId !== meId && reasonOf(removal),
                    ].filter((reason): reason is string => typeof reason === 'string'),
                  ),
                ]
                const reasonId = `member-${member.userId}-reason`
                return (
                  <tr key={member.userId}>
                    <td className="member-name">{member.name}</td>
                    <td data-label="Email">{member.email}</td>
                    <td data-label="Roles">
                      {member.roles.map((role) =>
                        canUpdate && edit.ok ? (
                          <button
                            type="button"
                            className="chip"
                            key={role}
                            aria-label={`${titleOf(role)}: change the roles of ${member.name}`}
                            onClick={() => startEditing(member)}
                          >
                            {titleOf(role)}
                          </button>
                        ) : (
                          <span className="chip" key={role}>
                            {titleOf(role)}
                          </span>
                        ),
                      )}
                    </td>
                    <td data-label="Joined">{dateOf(member.joinedAt)}</td>
                    {(canUpdate || canRemove) && (
                      <td className="actions">
                        {canUpdate && (
                          <button
                            type="button"
                            className="secondary"
                            aria-label={`Edit roles of ${member.name}`}
                            disabled={!edit.ok}
                            title={reasonOf(edit)}
                            aria-describedby={edit.ok ? undefined : reasonId}
                            onClick={() => startEditing(member)}
                          >
                            Edit
                          </button>
                        )}
                        {canRemove && member.userId !== meId && (
                          <button
                            type="button"
                            className="secondary danger"
                            aria-label={`Remove member ${member.name}`}
                            disabled={!removal.ok}
                            title={reasonOf(removal)}
                            aria-describedby={removal.ok ? undefined : reasonId}
                            onClick={() => {
                              remove.reset()
                              setRemoving(member)
                            }}
                          >
                            Remove member
                          </button>
                        )}
                        {reasons.length > 0 && (
                          <small className="hint reason" id={reasonId}>
                            {reasons.join(' ')}
                          </small>
                        )}
                      </td>
                    )}
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      {members.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => members.fetchNextPage()}
          disabled={members.isFetchingNextPage}
        >
          Show more
        </button>
      )}
      <Dialog title="Edit roles" open={editing !== undefined} onClose={() => setEditing(undefined)}>
        <p>
          Roles of <strong>{editing?.name}</strong>
        </p>
        <RolePicker
          roles={roles.data?.items ?? []}
          actor={actor}
          target={editing}
          chosen={chosen}
          onChange={setChosen}
        />
        {editProblem && (
          <p className="hint" id="edit-roles-problem">
            {editProblem}
          </p>
        )}
        <ErrorMessage error={change.error} />
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setEditing(undefined)}>
            Cancel
          </button>
          <button
            type="button"
            onClick={() => editing && change.mutate({ userId: editing.userId, roles: chosen })}
            disabled={editProblem !== undefined || change.isPending}
            aria-describedby={editProblem ? 'edit-roles-problem' : undefined}
          >
            Save roles
          </button>
        </div>
      </Dialog>
      <ConfirmDialog
        title={removing?.userId === meId ? 'Leave organization' : 'Remove member'}
        confirmLabel={removing?.userId === meId ? 'Leave organization' : 'Remove member'}
        open={removing !== undefined}
        onCancel={() => setRemoving(undefined)}
        onConfirm={() => removing && remove.mutate(removing)}
        pending={remove.isPending}
        error={remove.error}
      >
        <p>
          {removing?.userId === meId ? 'You' : <strong>{removing?.name}</strong>} will lose access to{' '}
          {organization.name}: its members, APIs, applications, subscriptions and credentials, at once. API
          keys stay with the organization.
        </p>
      </ConfirmDialog>
    </section>
  )
}

const statusChoices = [
  ['pending', 'Pending'],
  ['all', 'All invitations'],
  ['accepted', 'Accepted'],
  ['declined', 'Declined'],
  ['revoked', 'Revoked'],
  ['expired', 'Expired'],
] as const
type StatusChoice = (typeof statusChoices)[number][0]

export function InvitationsPage({ organization, meId }: { organization: Organization; meId: string }) {
  useDocumentTitle('Invitations', organization.name)
  const queryClient = useQueryClient()
  const [inviting, setInviting] = useState(false)
  const [email, setEmail] = useState('')
  const [chosen, setChosen] = useState<RoleName[]>(['member'])
  const actor = actorIn(organization, meId)
  const inviteProblem = choiceProblem(actor, undefined, chosen)
  const [revoking, setRevoking] = useState<Invitation | undefined>()
  const [shown, setShown] = useState<StatusChoice>('pending')
  // What the last Send, Resend or Revoke did, in a live region screen readers announce.
  const [notice, setNotice] = useState('')
  const roles = useQuery({ queryKey: ['roles', organization.id], queryFn: () => api.roles(organization.id) })
  const titleOf = (name: string) => roles.data?.items.find((r) => r.name === name)?.title ?? name
  const invitations = useInfiniteQuery({
    queryKey: ['invitations', organization.id, shown],
    queryFn: ({ pageParam }) =>
      api.invitations(organization.id, { status: shown === 'all' ? undefined : shown, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  })
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['invitations', organization.id] })
  const invite = useMutation({
    mutationFn: () => api.invite(organization.id, email, chosen),
    onMutate: () => setNotice(''),
    onSuccess: async (invitation) => {
      setInviting(false)
      setEmail('')
      setNotice(`Invitation sent to ${invitation.email}.`)
      await refresh()
    },
  })
  const resend = useMutation({
    mutationFn: (invitation: Invitation) => api.resendInvitation(organization.id, invitation.id),
    onMutate: () => setNotice(''),
    onSuccess: async (invitation) => {
      setNotice(`Invitation resent to ${invitation.email}.`)
      await refresh()
    },
  })
  const revoke = useMutation({
    mutationFn: (invitation: Invitation) => api.revokeInvitation(organization.id, invitation.id),
    onSuccess: async (_, invitation) => {
      setRevoking(undefined)
      setNotice(`Invitation for ${invitation.email} revoked.`)
      await refresh()
    },
  })
  const canInvite = organization.permissions.includes('member:invite')
  const items = invitations.data?.pages.flatMap((page) => page.items) ?? []
  const now = Date.now()
  return (
    <section aria-labelledby="invitations-title">
      <div className="title-row">
        <h1 id="invitations-title">Invitations</h1>
        {canInvite && (
          <button
            type="button"
            onClick={() => {
              invite.reset()
              setInviting(true)
            }}
          >
            Invite Member
          </button>
        )}
      </div>
      <p role="status" className="notice">
        {notice}
      </p>
      <div className="field search">
        <label htmlFor="invitation-status">Show</label>
        <select
          id="invitation-status"
          value={shown}
          onChange={(event) => setShown(event.target.value as StatusChoice)}
        >
          {statusChoices.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {invitations.isPending ? (
        <Loading />
      ) : invitations.isError ? (
        <LoadError
          what="the invitations"
          error={invitations.error}
          onRetry={() => void invitations.refetch()}
        />
      ) : items.length === 0 ? (
        <p className="muted">{shown === 'all' ? 'No invitations yet.' : `No ${shown} invitations.`}</p>
      ) : (
        <ul className="cards" aria-label="Invitations">
          {items.map((invitation) => {
            const expiry = invitation.status === 'pending' ? expiryText(invitation.expiresAt, now) : undefined
            const status = expiry === 'expired' ? 'expired' : invitation.status
            return (
              <li key={invitation.id}>
                <span>
                  <strong>{invitation.email}</strong> · {invitation.roles.map(titleOf).join(', ')}
                  <br />
                  <small className="muted">
                    Invited by {invitation.invitedBy.name} on {dateOf(invitation.createdAt)}
                    {expiry && expiry !== 'expired' ? ` · ${expiry}` : ''}
                  </small>
                </span>
                <span className={`badge ${status}`}>{status}</span>
                {canInvite && (invitation.status === 'pending' || invitation.status === 'expired') && (
                  <span className="actions">
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Resend invitation to ${invitation.email}`}
                      onClick={() => resend.mutate(invitation)}
                      disabled={resend.isPending}
                    >
                      Resend
                    </button>
                    <button
                      type="button"
                      className="secondary danger"
                      aria-label={`Revoke invitation for ${invitation.email}`}
                      onClick={() => {
                        revoke.reset()
                        setRevoking(invitation)
                      }}
                    >
                      Revoke invitation
                    </button>
                  </span>
                )}
              </li>
            )
          })}
        </ul>
      )}
      {invitations.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => invitations.fetchNextPage()}
          disabled={invitations.isFetchingNextPage}
        >
          Show more
        </button>
      )}
      <ErrorMessage error={resend.error} />
      <ConfirmDialog
        title="Revoke invitation"
        confirmLabel="Revoke invitation"
        open={revoking !== undefined}
        onCancel={() => setRevoking(undefined)}
        onConfirm={() => revoking && revoke.mutate(revoking)}
        pending={revoke.isPending}
        error={revoke.error}
      >
        <p>
          Revoke the invitation for <strong>{revoking?.email}</strong> to {organization.name}? Its link stops
          working; you can invite them again later.
        </p>
      </ConfirmDialog>
      <Dialog title="Invite Member" open={inviting} onClose={() => setInviting(false)}>
        <Form onSubmit={() => invite.mutate()}>
          <Field label="Email address" name="email" type="email" value={email} onChange={setEmail} required />
          <RolePicker roles={roles.data?.items ?? []} actor={actor} chosen={chosen} onChange={setChosen} />
          {inviteProblem && (
            <p className="hint" id="invite-roles-problem">
              {inviteProblem}
            </p>
          )}
          <ErrorMessage error={invite.error} />
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setInviting(false)}>
              Cancel
            </button>
            <button
              type="submit"
              disabled={inviteProblem !== undefined || invite.isPending}
              aria-describedby={inviteProblem ? 'invite-roles-problem' : undefined}
            >
              Send Invitation
            </button>
          </div>
        </Form>
      </Dialog>
    </section>
  )
}

/** Every member of the organization, read page after page: one query (and cache) for whoever needs them all. */
export const everyMemberQuery = (organization: Organization) => ({
  queryKey: ['members', organization.id, 'every'],
  queryFn: () => api.everyMember(organization.id),
})

/**
 * The names of the organization's members, for saying who made something: every member, read
 * page after page (api.everyMember), once some `userIds` need naming and only with `member:read`.
 * `complete` says the whole list has been read (a name missing then is a former member's).
 */
export function useMemberNames(organization: Organization, userIds: readonly string[]) {
  const members = useQuery({
    ...everyMemberQuery(organization),
    enabled: organization.permissions.includes('member:read') && userIds.length > 0,
  })
  const names = new Map(members.data?.items.map((member) => [member.userId, member.name]))
  return { names, complete: members.isSuccess }
}
