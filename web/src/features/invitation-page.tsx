// The page an invitation mail links to: who invites you where, with which roles; then sign in or
// register with the invited email, and accept or decline.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, type Me } from '../api/client.ts'
import { navigate } from '../router.ts'
import { ErrorMessage, Link, Loading, useDocumentTitle } from '../ui.tsx'
import { Logo } from './organizations.tsx'

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
      await queryClient.invalidateQueries()
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
        <Logo url={null} name={invitation.organization.name} size={48} />
        <h1>Join {invitation.organization.name}</h1>
      </div>
      <p>
        <strong>{invitation.invitedBy.name}</strong> invited <strong>{invitation.email}</strong> as{' '}
        {invitation.roles.join(', ')}.
      </p>
      {invitation.status !== 'pending' ? (
        <p role="status">This invitation is {invitation.status}.</p>
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
      <p className="muted">Expires {new Date(invitation.expiresAt).toLocaleString()}.</p>
      <ErrorMessage error={accept.error ?? decline.error} />
    </main>
  )
}
