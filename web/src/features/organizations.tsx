// Organizations in the console: the first-run page, creating one, the switcher in the header,
// and the settings page (name, logo, ID and handle to copy, the developer identity, deletion).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { checkHandle, handleFromName } from '../../../src/domain/handles.ts'
import { builtInRoles, type RoleName } from '../../../src/domain/permissions.ts'
import { ApiError, api, type Me, type MyInvitation, type Organization } from '../api/client.ts'
import { navigate } from '../router.ts'
import {
  ConfirmDialog,
  CopyButton,
  Dialog,
  ErrorMessage,
  Field,
  Form,
  Loading,
  useDocumentTitle,
} from '../ui.tsx'
import { AccountMenu } from './account.tsx'
import { ResendVerification } from './auth.tsx'
import { DeveloperIdentity } from './developer-identity.tsx'

/** The first letters of the first two words: "Acme Corp" → "AC". */
function initialsOf(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => [...word][0] ?? '')
    .join('')
    .toUpperCase()
}

/** The organization's logo, or its initials when it has none or the image cannot be loaded. */
export function Logo({ url, name, size = 28 }: { url: string | null; name: string; size?: number }) {
  const [failed, setFailed] = useState<string | null>(null)
  return url && failed !== url ? (
    <img className="logo" src={url} alt="" width={size} height={size} onError={() => setFailed(url)} />
  ) : (
    <span className="logo placeholder" aria-hidden="true" style={{ width: size, height: size }}>
      {initialsOf(name)}
    </span>
  )
}

/** Waits until `value` has stayed the same for `ms`, so a check runs once typing pauses. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return settled
}

/** ORG_CREATION_LIMIT said before the form; undefined while unknown, true when no place is left. */
function useCreationAllowance() {
  const allowance = useQuery({
    queryKey: ['organization-limit'],
    queryFn: api.organizationCreationAllowance,
  })
  const { limit, created } = allowance.data ?? { limit: null, created: 0 }
  const sentence =
    limit === null
      ? undefined
      : `You can create ${limit} organization${limit === 1 ? '' : 's'}; you have ${created}.`
  return { sentence, full: limit !== null && created >= limit, error: allowance.error }
}

export function CreateOrganizationForm({ onCreated }: { onCreated: (organization: Organization) => void }) {
  const queryClient = useQueryClient()
  const allowance = useCreationAllowance()
  const [name, setName] = useState('')
  const [handle, setHandle] = useState('')
  const [handleEdited, setHandleEdited] = useState(false)
  const shownHandle = handleEdited ? handle : name.trim() ? handleFromName(name) : ''
  const problem = shownHandle ? checkHandle(shownHandle) : undefined
  // Asked once typing pauses, only of handles the rule allows (the rule itself is checked here).
  const settledHandle = useSettled(shownHandle, 300)
  const availability = useQuery({
    queryKey: ['handle-availability', settledHandle],
    queryFn: () => api.handleAvailability(settledHandle),
    enabled: settledHandle !== '' && checkHandle(settledHandle) === undefined,
    staleTime: 5000,
  })
  const checked = availability.data?.handle === shownHandle ? availability.data : undefined
  const create = useMutation({
    mutationFn: () => api.createOrganization({ name, handle: shownHandle || undefined }),
    onSuccess: async (organization) => {
      // Where to go is decided first: the memberships learnt anew would otherwise move the page.
      onCreated(organization)
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['me'] }),
        queryClient.invalidateQueries({ queryKey: ['organization-limit'] }),
      ])
    },
  })
  const error = create.error instanceof ApiError ? create.error : undefined
  const limitNote = allowance.sentence && <p className="hint">{allowance.sentence}</p>
  if (allowance.full) {
    return (
      <>
        {limitNote}
        <p>To work in another organization, ask one of its owners or admins to invite you.</p>
      </>
    )
  }
  return (
    <Form onSubmit={() => create.mutate()}>
      {limitNote}
      <Field
        label="Organization name"
        name="name"
        value={name}
        onChange={setName}
        required
        error={error?.field('/name')}
      />
      <Field
        label="Slug URL (handle)"
        name="handle"
        value={shownHandle}
        onChange={(value) => {
          setHandleEdited(true)
          setHandle(value)
        }}
        hint={
          !shownHandle
            ? '3–40 of a-z, 0-9 and -, starting with a letter.'
            : checked?.available
              ? `${shownHandle} is available. Your organization will be at /o/${shownHandle}; it cannot be changed later.`
              : `Your organization will be at /o/${shownHandle}. It cannot be changed later.`
        }
        error={
          error?.field('/handle') ??
          (error?.problem.code === 'handle_taken' || checked?.reason === 'taken'
            ? `${shownHandle} is taken: choose another handle.`
            : undefined) ??
          (problem === 'format'
            ? 'Use 3–40 of a-z, 0-9 and -, starting with a letter.'
            : problem === 'reserved'
              ? 'This word is reserved.'
              : problem === 'uuid'
                ? 'A handle may not look like an ID.'
                : undefined)
        }
      />
      <ErrorMessage
        error={error?.problem.errors || error?.problem.code === 'handle_taken' ? undefined : create.error}
      />
      <button
        type="submit"
        disabled={create.isPending || problem !== undefined || checked?.reason === 'taken'}
      >
        Create
      </button>
    </Form>
  )
}

/**
 * The optional step after creating an organization: invitations by email, or Skip. `onLeave` runs
 * as it moves on (the switcher's dialog closes then).
 */
function InviteYourTeam({ organization, onLeave }: { organization: Organization; onLeave?: () => void }) {
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<RoleName>('member')
  const [sent, setSent] = useState<string[]>([])
  const invite = useMutation({
    mutationFn: () => api.invite(organization.id, email, [role]),
    onSuccess: (invitation) => {
      setSent([...sent, invitation.email])
      setEmail('')
    },
  })
  const titleOf = (name: RoleName) => builtInRoles.find((r) => r.name === name)?.title ?? name
  return (
    <section aria-labelledby="invite-team-title">
      <h2 id="invite-team-title">Invite your team</h2>
      <p>
        {organization.name} is ready. Invite the people you work with now, or skip this: you can invite them
        later from Members.
      </p>
      <Form onSubmit={() => invite.mutate()}>
        <Field label="Email" name="email" type="email" value={email} onChange={setEmail} required />
        <div className="field">
          <label htmlFor="invite-team-role">Role</label>
          <select
            id="invite-team-role"
            value={role}
            onChange={(event) => setRole(event.target.value as RoleName)}
          >
            {(['member', 'admin'] as const).map((name) => (
              <option key={name} value={name}>
                {titleOf(name)}
              </option>
            ))}
          </select>
        </div>
        <ErrorMessage error={invite.error} />
        <button type="submit" disabled={invite.isPending}>
          Send invitation
        </button>
      </Form>
      <p role="status">{sent.length > 0 ? `Invitation sent to ${sent.join(', ')}.` : ''}</p>
      <div className="actions">
        <button
          type="button"
          className={sent.length > 0 ? undefined : 'secondary'}
          // Skipping goes where a new organization is set up (name, logo); after invitations, to them.
          onClick={() => {
            onLeave?.()
            navigate(`/o/${organization.handle}/${sent.length > 0 ? 'invitations' : 'settings'}`, {
              replace: true,
            })
          }}
        >
          {sent.length > 0 ? `Continue to ${organization.name}` : 'Skip for now'}
        </button>
      </div>
    </section>
  )
}

export function WelcomePage({ me }: { me: Me }) {
  useDocumentTitle('Welcome')
  const queryClient = useQueryClient()
  const [created, setCreated] = useState<Organization | undefined>()
  const [declined, setDeclined] = useState<string | undefined>()
  const invitations = useQuery({ queryKey: ['my-invitations'], queryFn: api.myInvitations })
  const accept = useMutation({
    mutationFn: (id: string) => api.acceptMyInvitation(id),
    onSuccess: async ({ organization }) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['me'] }),
        queryClient.invalidateQueries({ queryKey: ['my-invitations'] }),
      ])
      navigate(`/o/${organization.handle}/members`)
    },
  })
  const decline = useMutation({
    mutationFn: (invitation: MyInvitation) => api.declineMyInvitation(invitation.id),
    onSuccess: async (_, invitation) => {
      setDeclined(invitation.organization.name)
      await queryClient.invalidateQueries({ queryKey: ['my-invitations'] })
    },
  })
  const header = (
    <div className="welcome-header">
      <AccountMenu me={me} resendVerification={false} />
    </div>
  )
  if (created) {
    return (
      <main className="auth">
        {header}
        <h1>Welcome to {created.name}</h1>
        <InviteYourTeam organization={created} />
      </main>
    )
  }
  return (
    <main className="auth">
      {header}
      <h1>Welcome, {me.user.name}</h1>
      <ResendVerification me={me} />
      <p role="status">
        {declined ? `You declined the invitation to ${declined}; its inviter can send another.` : ''}
      </p>
      {(invitations.data?.items.length ?? 0) > 0 && (
        <section aria-labelledby="pending-title">
          <h2 id="pending-title">Your invitations</h2>
          <ul className="cards">
            {invitations.data?.items.map((invitation) => (
              <li key={invitation.id}>
                <Logo url={invitation.organization.logoUrl} name={invitation.organization.name} />
                <span>
                  <strong>{invitation.organization.name}</strong> — {invitation.invitedBy.name} invited you as{' '}
                  {invitation.roles
                    .map((name) => builtInRoles.find((r) => r.name === name)?.title ?? name)
                    .join(', ')}
                </span>
                <button
                  type="button"
                  onClick={() => accept.mutate(invitation.id)}
                  disabled={accept.isPending || decline.isPending}
                  aria-label={`Accept the invitation to ${invitation.organization.name}`}
                >
                  Accept
                </button>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => decline.mutate(invitation)}
                  disabled={accept.isPending || decline.isPending}
                  aria-label={`Decline the invitation to ${invitation.organization.name}`}
                >
                  Decline
                </button>
              </li>
            ))}
          </ul>
          <ErrorMessage error={accept.error ?? decline.error} />
        </section>
      )}
      {!me.user.emailVerified && (
        <p className="muted">Invitations to {me.user.email} show here once you verify it.</p>
      )}
      <section aria-labelledby="create-title">
        <h2 id="create-title">Create your organization</h2>
        <CreateOrganizationForm
          onCreated={(organization) => {
            // /welcome keeps this page (and the next step) once the new membership is known.
            setCreated(organization)
            navigate('/welcome', { replace: true })
          }}
        />
      </section>
    </main>
  )
}

/** Where focus goes when the switcher's menu opens: the current organization, or the first or last entry. */
type MenuFocus = 'current' | 'first' | 'last'

const menuEntries = (menu: HTMLElement | null) => [
  ...(menu?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? []),
]

/**
 * The organization switcher, a menu button (the WAI-ARIA pattern): Enter, Space or the arrow keys open
 * it, the arrows, Home and End move between its entries, Enter chooses, Escape closes it; focus comes
 * back to the button. Choosing here is the only thing that changes the organization.
 */
export function OrganizationSwitcher({ me, current }: { me: Me; current: string }) {
  const queryClient = useQueryClient()
  const [open, setOpen] = useState<MenuFocus | undefined>()
  const [creating, setCreating] = useState(false)
  /** The organization the dialog just made: its second step, Invite your team, shows. */
  const [created, setCreated] = useState<Organization | undefined>()
  const menu = useRef<HTMLDivElement>(null)
  const trigger = useRef<HTMLButtonElement>(null)
  const active = me.organizations.find((o) => o.handle === current || o.id === current)
  useEffect(() => {
    if (!open) return
    const all = menuEntries(menu.current)
    const target =
      open === 'last'
        ? all.at(-1)
        : open === 'current'
          ? (all.find((entry) => entry.getAttribute('aria-checked') === 'true') ?? all[0])
          : all[0]
    target?.focus()
    const close = (event: MouseEvent) => {
      if (!menu.current?.contains(event.target as Node)) setOpen(undefined)
    }
    document.addEventListener('click', close)
    return () => document.removeEventListener('click', close)
  }, [open])
  const closeMenu = () => {
    setOpen(undefined)
    trigger.current?.focus()
  }
  const choose = async (organization: Me['organizations'][number]) => {
    closeMenu()
    await api.switchOrganization(organization.id)
    await queryClient.invalidateQueries({ queryKey: ['me'] })
    navigate(`/o/${organization.handle}/${location.pathname.split('/')[3] ?? 'members'}`)
  }
  const onMenuKey = (event: React.KeyboardEvent) => {
    const all = menuEntries(menu.current)
    const at = all.indexOf(document.activeElement as HTMLElement)
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: all.length - 1 }[event.key]
    if (event.key === 'Escape') {
      event.preventDefault()
      closeMenu()
    } else if (event.key === 'Tab') {
      setOpen(undefined)
    } else if (to !== undefined) {
      event.preventDefault()
      all[(to + all.length) % all.length]?.focus()
    }
  }
  return (
    <div className="switcher" ref={menu}>
      <button
        type="button"
        ref={trigger}
        aria-haspopup="menu"
        aria-expanded={open !== undefined}
        aria-controls={open ? 'organization-menu' : undefined}
        onClick={() => setOpen(open ? undefined : 'current')}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
            event.preventDefault()
            setOpen(event.key === 'ArrowDown' ? 'first' : 'last')
          } else if (event.key === 'Escape' && open) {
            setOpen(undefined)
          }
        }}
        className="switcher-button"
      >
        {active && <Logo url={active.logoUrl} name={active.name} />}
        <span>{active?.name ?? 'Organization'}</span>
        <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div
          role="menu"
          id="organization-menu"
          aria-label="Organization"
          className="menu"
          onKeyDown={onMenuKey}
        >
          {me.organizations.map((organization) => (
            <button
              type="button"
              role="menuitemradio"
              tabIndex={-1}
              aria-checked={organization.id === active?.id}
              key={organization.id}
              onClick={() => choose(organization)}
            >
              <Logo url={organization.logoUrl} name={organization.name} size={20} />
              <span>{organization.name}</span>
              {organization.id === active?.id && <span aria-hidden="true">✓</span>}
            </button>
          ))}
          <button
            type="button"
            role="menuitem"
            tabIndex={-1}
            onClick={() => {
              setOpen(undefined)
              setCreating(true)
            }}
          >
            + Create organization
          </button>
        </div>
      )}
      <Dialog
        title="Create organization"
        open={creating}
        onClose={() => {
          setCreating(false)
          setCreated(undefined)
          // Closed at the invitation step: the new organization is made, so that is where to go.
          if (created) navigate(`/o/${created.handle}/settings`)
        }}
      >
        {created ? (
          <InviteYourTeam
            organization={created}
            onLeave={() => {
              setCreating(false)
              setCreated(undefined)
            }}
          />
        ) : (
          <>
            <CreateOrganizationForm onCreated={setCreated} />
            <button type="button" className="secondary" onClick={() => setCreating(false)}>
              Cancel
            </button>
          </>
        )}
      </Dialog>
    </div>
  )
}

export function SettingsPage({ organization }: { organization: Organization }) {
  useDocumentTitle('Settings', organization.name)
  const queryClient = useQueryClient()
  const [name, setName] = useState(organization.name)
  const [confirmDelete, setConfirmDelete] = useState(false)
  const canUpdate = organization.permissions.includes('organization:update')
  // A new name or logo shows on this page (read by handle or ID) and in the switcher; nothing else.
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['organization', organization.handle] }),
      queryClient.invalidateQueries({ queryKey: ['organization', organization.id] }),
      queryClient.invalidateQueries({ queryKey: ['me'] }),
    ])
  const rename = useMutation({
    mutationFn: () => api.renameOrganization(organization.id, name),
    onSuccess: refresh,
  })
  const upload = useMutation({
    mutationFn: (file: File) => api.uploadLogo(organization.id, file),
    onSuccess: refresh,
  })
  const removeLogo = useMutation({ mutationFn: () => api.removeLogo(organization.id), onSuccess: refresh })
  const remove = useMutation({
    mutationFn: () => api.deleteOrganization(organization.id),
    // The memberships are learnt anew before leaving, so "/" leads to one that still exists.
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['me'] })
      navigate('/', { replace: true })
    },
  })
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <h2>Organization</h2>
      <dl className="identifiers">
        <dt>Organization ID</dt>
        <dd>
          <code>{organization.id}</code> <CopyButton value={organization.id} label="Copy ID" />
        </dd>
        <dt>Handle</dt>
        <dd>
          <code>{organization.handle}</code> <CopyButton value={organization.handle} label="Copy Handle" />
        </dd>
      </dl>
      {canUpdate ? (
        <>
          <Form onSubmit={() => rename.mutate()}>
            <Field label="Organization name" name="name" value={name} onChange={setName} required />
            <ErrorMessage error={rename.error} />
            <button type="submit" disabled={rename.isPending || name === organization.name}>
              Save name
            </button>
            {rename.isSuccess && <span role="status"> Saved.</span>}
          </Form>
          <h2>Logo</h2>
          <div className="logo-row">
            <Logo url={organization.logoUrl} name={organization.name} size={64} />
            <label className="button secondary">
              Upload logo
              <input
                type="file"
                accept="image/png,image/jpeg,image/webp,image/gif"
                className="visually-hidden"
                onChange={(event) => {
                  const file = event.target.files?.[0]
                  if (file) upload.mutate(file)
                }}
              />
            </label>
            {organization.logoUrl && (
              <button type="button" className="secondary" onClick={() => removeLogo.mutate()}>
                Remove logo
              </button>
            )}
          </div>
          <p className="hint">PNG, JPEG, WebP or GIF, up to 1 MiB and 4096×4096 pixels.</p>
          <ErrorMessage error={upload.error ?? removeLogo.error} />
        </>
      ) : (
        <p>
          Name: <strong>{organization.name}</strong>
        </p>
      )}
      <DeveloperIdentity organization={organization} />
      {organization.permissions.includes('organization:delete') && (
        <>
          <h2>Danger zone</h2>
          <button
            type="button"
            className="danger"
            onClick={() => {
              remove.reset()
              setConfirmDelete(true)
            }}
          >
            Delete organization
          </button>
          <ConfirmDialog
            title="Delete organization"
            confirmLabel="Delete organization"
            open={confirmDelete}
            onCancel={() => setConfirmDelete(false)}
            onConfirm={() => remove.mutate()}
            pending={remove.isPending}
            error={remove.error}
            typeToConfirm={organization.handle}
          >
            <p>
              Delete <strong>{organization.name}</strong> with all its members, invitations, APIs,
              applications and keys? Keys stop working at once. This cannot be undone.
            </p>
          </ConfirmDialog>
        </>
      )}
    </section>
  )
}

export function useOrganization(ref: string) {
  return useQuery({ queryKey: ['organization', ref], queryFn: () => api.organization(ref), retry: false })
}

export { Loading }
