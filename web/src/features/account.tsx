// The account menu in the console's header: who is signed in, their sessions (any other one can be
// signed out from here, on every instance at once), signing out of this one, and a new verification
// link while the email is unverified.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useRef, useState } from 'react'
import { api, type Me, type Session } from '../api/client.ts'
import { navigate } from '../router.ts'
import { Dialog, ErrorMessage, Loading } from '../ui.tsx'
import { ResendVerification } from './auth.tsx'

const when = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** A short name for the client a session was opened from, read from its User-Agent. */
export function clientName(userAgent: string | null): string {
  if (!userAgent) return 'Unknown client'
  const browser =
    [
      ['Edg/', 'Edge'],
      ['Firefox/', 'Firefox'],
      ['Chrome/', 'Chrome'],
      ['Safari/', 'Safari'],
      ['curl/', 'curl'],
    ].find(([marker]) => userAgent.includes(marker as string))?.[1] ?? userAgent.split(/[\s/]/)[0]
  const system = [
    ['Android', 'Android'],
    ['iPhone', 'iOS'],
    ['Windows', 'Windows'],
    ['Mac OS X', 'macOS'],
    ['Linux', 'Linux'],
  ].find(([marker]) => userAgent.includes(marker as string))?.[1]
  return system ? `${browser} on ${system}` : (browser ?? 'Unknown client')
}

function Sessions() {
  const queryClient = useQueryClient()
  const sessions = useQuery({ queryKey: ['sessions'], queryFn: api.sessions })
  const end = useMutation({
    mutationFn: api.endSession,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['sessions'] }),
  })
  if (sessions.isPending) return <Loading />
  if (sessions.isError) return <ErrorMessage error={sessions.error} />
  return (
    <>
      <ErrorMessage error={end.error} />
      <ul className="sessions" aria-label="Sessions">
        {sessions.data.items.map((session: Session) => (
          <li key={session.id}>
            <div>
              <strong>{clientName(session.userAgent)}</strong>{' '}
              {session.current && <span className="badge accepted">This session</span>}
            </div>
            <div className="muted">
              Signed in {when(session.createdAt)} · last active {when(session.lastSeenAt)}
            </div>
            {!session.current && (
              <button
                type="button"
                className="secondary"
                aria-label={`Sign out ${clientName(session.userAgent)}, signed in ${when(session.createdAt)}`}
                disabled={end.isPending}
                onClick={() => end.mutate(session.id)}
              >
                Sign out
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  )
}

/** `resendVerification: false` where the page offers it already (the first-run page). */
export function AccountMenu({ me, resendVerification = true }: { me: Me; resendVerification?: boolean }) {
  const queryClient = useQueryClient()
  const menu = useRef<HTMLDetailsElement>(null)
  const [showSessions, setShowSessions] = useState(false)
  const signOut = useMutation({
    mutationFn: api.signOut,
    onSuccess: () => {
      queryClient.clear()
      navigate('/sign-in', { replace: true })
    },
  })
  const choose = (action: () => void) => () => {
    if (menu.current) menu.current.open = false
    action()
  }
  return (
    <>
      <details className="account-menu" ref={menu}>
        <summary>
          <span className="visually-hidden">Account menu of </span>
          {me.user.name}
        </summary>
        <div className="account-menu-items">
          <button type="button" className="secondary" onClick={choose(() => setShowSessions(true))}>
            Sessions
          </button>
          <button type="button" className="secondary" onClick={choose(() => signOut.mutate())}>
            Sign out
          </button>
          {resendVerification && <ResendVerification me={me} />}
        </div>
      </details>
      <Dialog title="Your sessions" open={showSessions} onClose={() => setShowSessions(false)}>
        <Sessions />
        <button type="button" className="secondary" onClick={() => setShowSessions(false)}>
          Close
        </button>
      </Dialog>
    </>
  )
}
