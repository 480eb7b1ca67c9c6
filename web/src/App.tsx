// The console's shell: who is signed in, which organization the path names, the header with the
// organization switcher, the left navigation (only what the member may use), and the pages; a failed
// load shows Retry where it happened, a path that leads nowhere a page that says so with the way back.
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import { isPortalOnly } from '../../src/domain/permissions.ts'
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
import { isNotFound, Link, LoadError, Loading, NotFound } from './ui.tsx'

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
  const portalOnly = isPortalOnly(organization.roles)
  return sections.filter((s) => organization.permissions.includes(s.permission) && (s.portal || !portalOnly))
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to])
  return <Loading />
}

/** The skip link, the header (brand to the organization's home, switcher, account), the given navigation and page. */
function Shell(props: { me: Me; current: string; nav?: React.ReactNode; children: React.ReactNode }) {
  return (
    <div className="shell">
      {/* The first thing Tab reaches: past the header and the navigation, straight to the page. */}
      <a href="#content" className="skip-link">
        Skip to content
      </a>
      <header>
        <Link to={`/o/${props.current}`} className="brand">
          Portico
        </Link>
        <OrganizationSwitcher me={props.me} current={props.current} />
        <span className="spacer" />
        <AccountMenu me={props.me} />
      </header>
      <nav aria-label="Organization">{props.nav}</nav>
      <main id="content" tabIndex={-1}>
        {props.children}
      </main>
    </div>
  )
}

/** Pages that show one item of their list: /o/:org/:section/:id. */
const itemSections = new Set(['apis', 'applications', 'webhooks'])

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
  // Every navigation re-checks the membership, so a removed member is told on the next one.
  // biome-ignore lint/correctness/useExhaustiveDependencies: section and id are the navigation
  useEffect(() => {
    void queryClient.invalidateQueries({ queryKey: ['organization', orgRef] })
  }, [orgRef, section, id, queryClient])
  // Removed, deleted, or never a member: the page says so where it is (nothing changes the organization
  // but the switcher), and the memberships are learnt anew for the switcher.
  const lost = isNotFound(organization.error)
  useEffect(() => {
    if (lost) void queryClient.invalidateQueries({ queryKey: ['me'] })
  }, [lost, queryClient])
  if (lost) {
    return (
      <Shell me={me} current={orgRef}>
        <NotFound
          message={`There is no organization “${orgRef}” that you are a member of.`}
          back={{ to: '/', label: 'Go to your organizations' }}
        />
      </Shell>
    )
  }
  const retry = (
    <LoadError
      what="the organization"
      error={organization.error}
      onRetry={() => void organization.refetch()}
      retrying={organization.isFetching}
    />
  )
  // The header stays while an organization loads, so switching keeps focus on the switcher.
  if (!organization.data) {
    return (
      <Shell me={me} current={orgRef}>
        {organization.isError ? retry : <Loading />}
      </Shell>
    )
  }
  const current = organization.data
  const allowed = visibleSections(current)
  const page = allowed.find((s) => s.path === section)
  const known = sections.find((s) => s.path === section)
  const lostPage =
    (!page && section !== '') || (id !== undefined && !itemSections.has(section)) ? (
      <NotFound
        message={
          known && !page
            ? `Your roles in ${current.name} do not include ${known.label}.`
            : `There is no such page in ${current.name}.`
        }
        back={{ to: `/o/${current.handle}`, label: `Back to ${current.name}` }}
      />
    ) : undefined
  return (
    <Shell
      me={me}
      current={current.handle}
      nav={
        <ul>
          {allowed.map((s) => (
            <li key={s.path}>
              <Link to={`/o/${current.handle}/${s.path}`} current={s.path === section}>
                {s.label}
              </Link>
            </li>
          ))}
        </ul>
      }
    >
      {organization.isError && retry}
      {lostPage ??
        (!page ? (
          <Redirect to={`/o/${current.handle}/${allowed[0]?.path ?? 'apis'}`} />
        ) : section === 'members' ? (
          <MembersPage organization={current} meId={me.user.id} />
        ) : section === 'invitations' ? (
          <InvitationsPage organization={current} meId={me.user.id} />
        ) : section === 'apis' && id ? (
          <ApiPage organization={current} id={id} />
        ) : section === 'apis' ? (
          <ApisPage organization={current} />
        ) : section === 'environments' ? (
          <EnvironmentsPage organization={current} />
        ) : section === 'applications' && id ? (
          <ApplicationPage organization={current} id={id} meId={me.user.id} />
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
        ))}
    </Shell>
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
  if (me.isError && !signedOut && !me.data) {
    return (
      <main className="auth">
        <LoadError
          what="your account"
          error={me.error}
          onRetry={() => void me.refetch()}
          retrying={me.isFetching}
        />
      </main>
    )
  }
  if (signedOut || !me.data) return <Redirect to={`/sign-in?next=${encodeURIComponent(path)}`} />

  const area =
    match('/o/:org/:section/:id', path) ?? match('/o/:org/:section', path) ?? match('/o/:org', path)
  if (area)
    return <OrganizationArea me={me.data} ref={area.org ?? ''} section={area.section ?? ''} id={area.id} />
  if (path !== '/' && path !== '/welcome') {
    return (
      <main className="auth">
        <NotFound
          message="Nothing lives at this address."
          back={{ to: '/', label: 'Go to your organizations' }}
        />
      </main>
    )
  }
  // Where "/" leads depends on the memberships: while they are being read again (a page found the
  // person removed and asked), wait for the answer rather than follow the old list back there.
  if (path === '/' && me.isFetching) return <Loading />
  if (me.data.organizations.length === 0 || path === '/welcome') return <WelcomePage me={me.data} />
  const active =
    me.data.organizations.find((o) => o.id === me.data.activeOrganizationId) ?? me.data.organizations[0]
  return <Redirect to={`/o/${active?.handle}`} />
}
