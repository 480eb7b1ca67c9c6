// Organizations in the console: the first-run page, creating one, the switcher in the header,
// and the settings page (name, logo, ID and handle to copy, the developer identity, deletion).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { checkHandle, handleFromName } from '../../../src/domain/handles.ts'
import { ApiError, api, type Me, type Organization } from '../api/client.ts'
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
import { DeveloperIdentity } from './developer-identity.tsx'

export function Logo({ url, name, size = 28 }: { url: string | null; name: string; size?: number }) {
  return url ? (
    <img className="logo" src={url} alt="" width={size} height={size} />
  ) : (
    <span className="logo placeholder" aria-hidden="true" style={{ width: size, height: size }}>
      {name.slice(0, 1).toUpperCase()}
    </span>
  )
}

export function CreateOrganizationForm({ onCreated }: { onCreated: (organization: Organization) => void }) {
  const queryClient = useQueryClient()
  const [name, setName] = useState('')
  const [handle, setHandle] = useState('')
  const [handleEdited, setHandleEdited] = useState(false)
  const shownHandle = handleEdited ? handle : name.trim() ? handleFromName(name) : ''
  const problem = shownHandle ? checkHandle(shownHandle) : undefined
  const create = useMutation({
    mutationFn: () => api.createOrganization({ name, handle: shownHandle || undefined }),
    onSuccess: async (organization) => {
      await queryClient.invalidateQueries()
      onCreated(organization)
    },
  })
  const error = create.error instanceof ApiError ? create.error : undefined
  return (
    <Form onSubmit={() => create.mutate()}>
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
          shownHandle
            ? `Your organization will be at /o/${shownHandle}. It cannot be changed later.`
            : '3–40 of a-z, 0-9 and -, starting with a letter.'
        }
        error={
          error?.field('/handle') ??
          (error?.problem.code === 'handle_taken' ? 'This handle is taken.' : undefined) ??
          (problem === 'format'
            ? 'Use 3–40 of a-z, 0-9 and -, starting with a letter.'
            : problem === 'reserved'
              ? 'This word is reserved.'
              : undefined)
        }
      />
      <ErrorMessage
        error={error?.problem.errors || error?.problem.code === 'handle_taken' ? undefined : create.error}
      />
      <button type="submit" disabled={create.isPending || problem !== undefined}>
        Create
      </button>
    </Form>
  )
}

export function WelcomePage({ me }: { me: Me }) {
  useDocumentTitle('Welcome')
  const queryClient = useQueryClient()
  const invitations = useQuery({ queryKey: ['my-invitations'], queryFn: api.myInvitations })
  const accept = useMutation({
    mutationFn: (id: string) => api.acceptMyInvitation(id),
    onSuccess: async ({ organization }) => {
      await queryClient.invalidateQueries()
      navigate(`/o/${organization.handle}/members`)
    },
  })
  return (
    <main className="auth">
      <h1>Welcome, {me.user.name}</h1>
      {(invitations.data?.items.length ?? 0) > 0 && (
        <section aria-labelledby="pending-title">
          <h2 id="pending-title">Your invitations</h2>
          <ul className="cards">
            {invitations.data?.items.map((invitation) => (
              <li key={invitation.id}>
                <Logo url={invitation.organization.logoUrl} name={invitation.organization.name} />
                <span>
                  <strong>{invitation.organization.name}</strong> — {invitation.invitedBy.name} invited you as{' '}
                  {invitation.roles.join(', ')}
                </span>
                <button
                  type="button"
                  onClick={() => accept.mutate(invitation.id)}
                  disabled={accept.isPending}
                >
                  Accept
                </button>
              </li>
            ))}
          </ul>
          <ErrorMessage error={accept.error} />
        </section>
      )}
      {!me.user.emailVerified && (
        <p className="muted">
          Invitations to {me.user.email} show here once you verify it (see the mail we sent).
        </p>
      )}
      <section aria-labelledby="create-title">
        <h2 id="create-title">Create your organization</h2>
        <CreateOrganizationForm
          onCreated={(organization) => navigate(`/o/${organization.handle}/settings`)}
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
      <Dialog title="Create organization" open={creating} onClose={() => setCreating(false)}>
        <CreateOrganizationForm
          onCreated={(organization) => {
            setCreating(false)
            navigate(`/o/${organization.handle}/settings`)
          }}
        />
        <button type="button" className="secondary" onClick={() => setCreating(false)}>
          Cancel
        </button>
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
  const refresh = () => queryClient.invalidateQueries()
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
    onSuccess: async () => {
      await refresh()
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
