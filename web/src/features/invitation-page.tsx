// The page an invitation mail links to: who invites you where (with the organization's logo, served
// under the invitation's path), with which roles; then sign in or register with the invited email,
// and accept or decline. An answered, revoked or expired invitation says what happened and what next.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { builtInRoles } from '../../../src/domain/permissions.ts'
import { api, type InvitationPreview, type Me } from '../api/client.ts'
import { navigate } from '../router.ts'
import { ErrorMessage, Link, Loading, useDocumentTitle } from '../ui.tsx'
import { Logo } from './organizations.tsx'

/** What became of an invitation that can no longer be answered, and what the invitee can do now. */
function Outcome({ invitation, me }: { invitation: InvitationPreview; me: Me | undefined }) {
  const organization = invitation.organization.name
  const inviter = invitation.invitedBy.name
  const member = me?.organizations.find((o) => o.id === invitation.organization.id)
  const next = member ? (
    <Link to={`/o/${member.handle}`}>Go to {organization}</Link>
  ) : me ? (
    <Link to="/">Go to your organizations</Link>
  ) : (
    <Link to="/sign-in">Sign in</Link>
  )
  const said = {
    pending: '',
    accepted: `This invitation was accepted: ${invitation.email} is a member of ${organization}.`,
    declined: `This invitation was declined, so ${invitation.email} did not join ${organization}. If that was a mistake, ask ${inviter} to invite you again.`,
    revoked: `${organization} withdrew this invitation. If you still expect to join, ask ${inviter} for a new one.`,
    expired: `This invitation expired on ${new Date(invitation.expiresAt).toLocaleString()}. Ask ${inviter} to send it again: a resent invitation comes with a new link.`,
  }[invitation.status]
  return (
    <div role="status">
      <h2>Invitation {invitation.status}</h2>
      <p>{said}</p>
      <p>{next}</p>
    </div>
  )
}

export function InvitationPage({ token, me }: { token: string; me: Me | undefined }) {
  const queryClient = useQueryClient()
  const preview = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => api.previewInvitation(token),
    retry: false,
  })
  useDocumentTitle('Invitation', preview.data?.organization.name)
  const accept = useMutation({
    mutationFn: () => api.acceptInvitation(token),
    onSuccess: async ({ organization }) => {
      // A new membership: the account's organizations, its pending invitations, this preview.
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['me'] }),
        queryClient.invalidateQueries({ queryKey: ['my-invitations'] }),
        queryClient.invalidateQueries({ queryKey: ['invitation', token] }),
      ])
      navigate(`/o/${organization.handle}/members`, { replace: true })
    },
  })
  const decline = useMutation({
    mutationFn: () => api.declineInvitation(token),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['invitation', token] }),
  })
  if (preview.isPending) return <Loading />
  if (!preview.data) {
    return (
      <main className="auth">
        <h1>Invitation not found</h1>
        <p>This link is not valid (it may have been replaced by a newer one). Ask for a new invitation.</p>
      </main>
    )
  }
  const invitation = preview.data
  const here = `/invitations/${encodeURIComponent(token)}`
  const query = `?next=${encodeURIComponent(here)}&email=${encodeURIComponent(invitation.email)}&invitation=${encodeURIComponent(token)}`
  const sameEmail = me?.user.email.toLowerCase() === invitation.email.toLowerCase()
  return (
    <main className="auth">
      <div className="logo-row">
        <Logo url={invitation.organization.logoUrl} name={invitation.organization.name} size={48} />
        <h1>Join {invitation.organization.name}</h1>
      </div>
      <p>
        <strong>{invitation.invitedBy.name}</strong> invited <strong>{invitation.email}</strong> as{' '}
        {invitation.roles.map((name) => builtInRoles.find((r) => r.name === name)?.title ?? name).join(', ')}.
      </p>
      {invitation.status !== 'pending' ? (
        <Outcome invitation={invitation} me={me} />
      ) : !me ? (
        <p>
          <Link to={`/sign-in${query}`}>Sign in</Link> or{' '}
          <Link to={`/sign-up${query}`}>create an account</Link> as {invitation.email} to accept.
        </p>
      ) : !sameEmail ? (
        <p role="alert">
          You are signed in as {me.user.email}. Sign out and sign in as {invitation.email} to accept.
        </p>
      ) : (
        <div className="actions">
          <button type="button" onClick={() => accept.mutate()} disabled={accept.isPending}>
            Accept
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => decline.mutate()}
            disabled={decline.isPending}
          >
            Decline
          </button>
        </div>
      )}
      {invitation.status === 'pending' && (
        <p className="muted">Expires {new Date(invitation.expiresAt).toLocaleString()}.</p>
      )}
      <ErrorMessage error={accept.error ?? decline.error} />
    </main>
  )
}
