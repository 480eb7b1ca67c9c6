// The console's shell: who is signed in, which organization the path names, the header with the
// organization switcher, the left navigation (only what the member may use), and the pages.
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import { isPortalOnly, type RoleName } from '../../src/domain/permissions.ts'
import { ApiError, api, type Me, type Organization } from './api/client.ts'
import { AccountMenu } from './features/account.tsx'
import { AuditLogPage } from './features/audit-log.tsx'
import {
  ForgotPasswordPage,
  ResetPasswordPage,
  SignInPage,
  SignUpPage,
  VerifyEmailPage,
} from './features/auth.tsx'
import { InvitationPage } from './features/invitation-page.tsx'
import { InvitationsPage, MembersPage } from './features/members.tsx'
import {
  OrganizationSwitcher,
  SettingsPage,
  useOrganization,
  WelcomePage,
} from './features/organizations.tsx'
import { ApiPage } from './features/plans.tsx'
import { ApisPage, ApplicationPage, ApplicationsPage, EnvironmentsPage } from './features/portal.tsx'
import { WebhookPage, WebhooksPage } from './features/webhooks.tsx'
import { match, navigate, usePath } from './router.ts'
import { Link, Loading } from './ui.tsx'

const sections = [
  { path: 'members', label: 'Members', permission: 'member:read', portal: false },
  { path: 'invitations', label: 'Invitations', permission: 'member:read', portal: false },
  { path: 'apis', label: 'APIs', permission: 'api:read', portal: true },
  { path: 'environments', label: 'Environments', permission: 'environment:read', portal: false },
  { path: 'applications', label: 'Applications', permission: 'application:read', portal: true },
  { path: 'audit-log', label: 'Audit log', permission: 'audit:read', portal: false },
  { path: 'webhooks', label: 'Webhooks', permission: 'webhook:read', portal: false },
  { path: 'settings', label: 'Settings', permission: 'organization:read', portal: false },
] as const

function visibleSections(organization: Organization) {
  const portalOnly = isPortalOnly(organization.roles as RoleName[])
  return sections.filter((s) => organization.permissions.includes(s.permission) && (s.portal || !portalOnly))
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to])
  return <Loading />
}

function OrganizationArea({
  me,
  ref: orgRef,
  section,
  id,
}: {
  me: Me
  ref: string
  section: string
  id?: string
}) {
  const queryClient = useQueryClient()
  const organization = useOrganization(orgRef)
  // Every navigation re-checks the membership, so a removed member is taken out on the next one.
  // biome-ignore lint/correctness/useExhaustiveDependencies: section and id are the navigation
  useEffect(() => {
    void queryClient.invalidateQueries({ queryKey: ['organization', orgRef] })
  }, [orgRef, section, id, queryClient])
  const gone = organization.isError
  useEffect(() => {
    if (!gone) return
    // Removed, deleted, or never a member: forget it, learn the memberships anew, go home.
    queryClient.removeQueries({ queryKey: ['organization', orgRef] })
    void queryClient.refetchQueries({ queryKey: ['me'] }).then(() => navigate('/', { replace: true }))
  }, [gone, orgRef, queryClient])
  if (organization.isPending || gone || !organization.data) return <Loading />
  const current = organization.data
  const allowed = visibleSections(current)
  const page = allowed.find((s) => s.path === section)
  return (
    <div className="shell">
      <header>
        <Link to="/" className="brand">
          Portico
        </Link>
        <OrganizationSwitcher me={me} current={current.handle} />
        <span className="spacer" />
        <AccountMenu me={me} />
      </header>
      <nav aria-label="Organization">
        <ul>
          {allowed.map((s) => (
            <li key={s.path}>
              <Link to={`/o/${current.handle}/${s.path}`} current={s.path === section}>
                {s.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="content">
        {!page ? (
          <Redirect to={`/o/${current.handle}/${allowed[0]?.path ?? 'apis'}`} />
        ) : section === 'members' ? (
          <MembersPage organization={current} meId={me.user.id} />
        ) : section === 'invitations' ? (
          <InvitationsPage organization={current} />
        ) : section === 'apis' && id ? (
          <ApiPage organization={current} id={id} />
        ) : section === 'apis' ? (
          <ApisPage organization={current} />
        ) : section === 'environments' ? (
          <EnvironmentsPage organization={current} />
        ) : section === 'applications' && id ? (
          <ApplicationPage organization={current} id={id} />
        ) : section === 'applications' ? (
          <ApplicationsPage organization={current} />
        ) : section === 'audit-log' ? (
          <AuditLogPage organization={current} />
        ) : section === 'webhooks' && id ? (
          <WebhookPage organization={current} id={id} />
        ) : section === 'webhooks' ? (
          <WebhooksPage organization={current} />
        ) : (
          <SettingsPage organization={current} />
        )}
      </main>
    </div>
  )
}

export function App() {
  const path = usePath()
  const me = useQuery({
    queryKey: ['me'],
    queryFn: api.me,
    retry: (count, error) => !(error instanceof ApiError && error.problem.status === 401) && count < 2,
  })
  const signedOut = me.error instanceof ApiError && me.error.problem.status === 401

  const open: [string, (params: Record<string, string>) => React.ReactNode][] = [
    ['/sign-in', () => <SignInPage />],
    ['/sign-up', () => <SignUpPage />],
    ['/forgot-password', () => <ForgotPasswordPage />],
    ['/reset-password/:token', ({ token }) => <ResetPasswordPage token={token ?? ''} />],
    ['/verify-email/:token', ({ token }) => <VerifyEmailPage token={token ?? ''} />],
  ]
  for (const [pattern, render] of open) {
    const params = match(pattern, path)
    if (params) return render(params)
  }
  if (me.isPending) return <Loading />
  const invitation = match('/invitations/:token', path)
  if (invitation) return <InvitationPage token={invitation.token ?? ''} me={me.data} />
  if (signedOut || !me.data) return <Redirect to={`/sign-in?next=${encodeURIComponent(path)}`} />

  const area =
    match('/o/:org/:section/:id', path) ?? match('/o/:org/:section', path) ?? match('/o/:org', path)
  if (area)
    return <OrganizationArea me={me.data} ref={area.org ?? ''} section={area.section ?? ''} id={area.id} />
  if (me.data.organizations.length === 0 || path === '/welcome') return <WelcomePage me={me.data} />
  const active =
    me.data.organizations.find((o) => o.id === me.data.activeOrganizationId) ?? me.data.organizations[0]
  return <Redirect to={`/o/${active?.handle}`} />
}
