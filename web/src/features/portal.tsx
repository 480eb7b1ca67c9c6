// The developer portal: APIs (publishers create, publish, deprecate, delete), environments, and
// applications with their subscriptions and API keys (the secret is shown once). Lists a page shows
// are read a hundred at a time with Show more; one item is read by its own request; a change
// refreshes the queries that show what it changed and no others.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { isPortalOnly, type Permission } from '../../../src/domain/permissions.ts'
import { keyEnvironmentsOf } from '../../../src/domain/portal.ts'
import {
  type Api,
  api,
  type Environment,
  type Key,
  type KeyWithSecret,
  type Organization,
  type Subscription,
} from '../api/client.ts'
import {
  ConfirmDialog,
  CopyButton,
  Dialog,
  ErrorMessage,
  Field,
  Form,
  isNotFound,
  Link,
  LoadError,
  Loading,
  NotFound,
  ShowMore,
  useDocumentTitle,
} from '../ui.tsx'
import { useMemberNames } from './members.tsx'
import { apiKey, limitsOf, plansKey, useApisOf, usePlansOf } from './plans.tsx'
import { expiryText, timeAgoText } from './relative-time.ts'
import { Usage } from './usage.tsx'

const can = (organization: Organization, permission: Permission) =>
  organization.permissions.includes(permission)

/** Every list of the organization's APIs (the page's, the subscription picker's) starts with this. */
const apisKey = (organization: Organization) => ['apis', organization.id]
/** Every application of the organization, as the Applications page lists them. */
const applicationsKey = (organization: Organization) => ['applications', organization.id]
/** Every API of the organization, page after page, for the subscription picker. */
function useEveryApi(organization: Organization) {
  return useQuery({
    queryKey: [...apisKey(organization), 'every'],
    queryFn: () => api.everyApi(organization.id),
  })
}

export function ApisPage({ organization }: { organization: Organization }) {
  useDocumentTitle('APIs', organization.name)
  const queryClient = useQueryClient()
  const [creating, setCreating] = useState(false)
  const [editingId, setEditingId] = useState<string | undefined>()
  const [deleting, setDeleting] = useState<Api | undefined>()
  const [form, setForm] = useState({ name: '', version: 'v1', basePath: '/', description: '' })
  const apis = useInfiniteQuery({
    queryKey: [...apisKey(organization), 'pages'],
    queryFn: ({ pageParam }) => api.apis(organization.id, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  })
  // A change to one API shows in the lists and on its own page; its plans are untouched.
  const refresh = (changed?: Api) =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: apisKey(organization) }),
      changed && queryClient.setQueryData(apiKey(changed.id), changed),
    ])
  const create = useMutation({
    mutationFn: () =>
      editingId ? api.updateApi(organization.id, editingId, form) : api.createApi(organization.id, form),
    onSuccess: async (changed) => {
      setCreating(false)
      await refresh(changed)
    },
  })
  const status = useMutation({
    mutationFn: (change: { id: string; action: 'publish' | 'deprecate' }) =>
      api.setApiStatus(organization.id, change.id, change.action),
    onSuccess: (changed) => refresh(changed),
  })
  const remove = useMutation({
    mutationFn: (id: string) => api.deleteApi(organization.id, id),
    onSuccess: async (_, id) => {
      setDeleting(undefined)
      queryClient.removeQueries({ queryKey: apiKey(id) })
      queryClient.removeQueries({ queryKey: plansKey(id) })
      await refresh()
    },
  })
  const items = apis.data?.pages.flatMap((page) => page.items) ?? []
  return (
    <section aria-labelledby="apis-title">
      <div className="title-row">
        <h1 id="apis-title">APIs</h1>
        {can(organization, 'api:create') && (
          <button
            type="button"
            onClick={() => {
              setEditingId(undefined)
              setForm({ name: '', version: 'v1', basePath: '/', description: '' })
              create.reset()
              setCreating(true)
            }}
          >
            Create API
          </button>
        )}
      </div>
      {apis.isPending ? (
        <Loading />
      ) : apis.isError ? (
        <LoadError what="the APIs" error={apis.error} onRetry={() => void apis.refetch()} />
      ) : items.length === 0 ? (
        <p className="muted">No APIs yet.</p>
      ) : (
        <ul className="cards">
          {items.map((item) => (
            <li key={item.id}>
              <span>
                <Link to={`/o/${organization.handle}/apis/${item.id}`}>
                  <strong>{item.name}</strong> {item.version}
                </Link>{' '}
                <code>{item.basePath}</code>
              </span>
              <span className={`badge ${item.status}`}>{item.status}</span>
              <span className="actions">
                {can(organization, 'api:update') && (
                  <button
                    type="button"
                    className="secondary"
                    aria-label={`Edit ${item.name}`}
                    onClick={() => {
                      setEditingId(item.id)
                      setForm({
                        name: item.name,
                        version: item.version,
                        basePath: item.basePath,
                        description: item.description,
                      })
                      create.reset()
                      setCreating(true)
                    }}
                  >
                    Edit
                  </button>
                )}
                {can(organization, 'api:publish') && item.status !== 'published' && (
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => status.mutate({ id: item.id, action: 'publish' })}
                  >
                    Publish
                  </button>
                )}
                {can(organization, 'api:publish') && item.status === 'published' && (
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => status.mutate({ id: item.id, action: 'deprecate' })}
                  >
                    Deprecate
                  </button>
                )}
                {can(organization, 'api:delete') && (
                  <button
                    type="button"
                    className="secondary danger"
                    aria-label={`Delete API ${item.name} ${item.version}`}
                    onClick={() => {
                      remove.reset()
                      setDeleting(item)
                    }}
                  >
                    Delete API
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
      <ShowMore list={apis} />
      <ErrorMessage error={status.error} />
      <ConfirmDialog
        title="Delete API"
        confirmLabel="Delete API"
        open={deleting !== undefined}
        onCancel={() => setDeleting(undefined)}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
        pending={remove.isPending}
        error={remove.error}
      >
        <p>
          Delete{' '}
          <strong>
            {deleting?.name} {deleting?.version}
          </strong>{' '}
          (<code>{deleting?.basePath}</code>) and its plans? This cannot be undone.
        </p>
      </ConfirmDialog>
      <Dialog
        title={editingId ? 'Edit API' : 'Create API'}
        open={creating}
        onClose={() => setCreating(false)}
      >
        <Form onSubmit={() => create.mutate()}>
          <Field
            label="Name"
            name="name"
            value={form.name}
            onChange={(name) => setForm({ ...form, name })}
            required
          />
          <Field
            label="Version"
            name="version"
            value={form.version}
            onChange={(version) => setForm({ ...form, version })}
            required
          />
          <Field
            label="Base path"
            name="basePath"
            value={form.basePath}
            onChange={(basePath) => setForm({ ...form, basePath })}
            required
          />
          <Field
            label="Description"
            name="description"
            value={form.description}
            onChange={(description) => setForm({ ...form, description })}
          />
          <ErrorMessage error={create.error} />
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setCreating(false)}>
              Cancel
            </button>
            <button type="submit">{editingId ? 'Save' : 'Create'}</button>
          </div>
        </Form>
      </Dialog>
    </section>
  )
}

export function EnvironmentsPage({ organization }: { organization: Organization }) {
  useDocumentTitle('Environments', organization.name)
  const queryClient = useQueryClient()
  const [name, setName] = useState('')
  const [renaming, setRenaming] = useState<{ id: string; name: string } | undefined>()
  const [deleting, setDeleting] = useState<Environment | undefined>()
  const environments = useQuery({
    queryKey: ['environments', organization.id],
    queryFn: () => api.environments(organization.id),
  })
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['environments', organization.id] })
  const create = useMutation({
    mutationFn: () => api.createEnvironment(organization.id, name),
    onSuccess: async () => {
      setName('')
      await refresh()
    },
  })
  const rename = useMutation({
    mutationFn: () => api.renameEnvironment(organization.id, renaming?.id ?? '', renaming?.name ?? ''),
    onSuccess: async () => {
      setRenaming(undefined)
      await refresh()
    },
  })
  const remove = useMutation({
    mutationFn: (id: string) => api.deleteEnvironment(organization.id, id),
    onSuccess: async () => {
      setDeleting(undefined)
      await refresh()
    },
  })
  const manage = can(organization, 'environment:manage')
  return (
    <section aria-labelledby="environments-title">
      <h1 id="environments-title">Environments</h1>
      {manage && (
        <Form className="inline" onSubmit={() => create.mutate()}>
          <Field
            label="New environment"
            name="environment"
            value={name}
            onChange={setName}
            required
            hint="Lowercase letters, digits and -."
          />
          <button type="submit">Add environment</button>
        </Form>
      )}
      <ErrorMessage error={create.error} />
      {environments.isPending ? (
        <Loading />
      ) : environments.isError ? (
        <LoadError
          what="the environments"
          error={environments.error}
          onRetry={() => void environments.refetch()}
        />
      ) : (
        <ul className="cards">
          {environments.data?.items.map((environment) => (
            <li key={environment.id}>
              <span>
                <code>{environment.name}</code>
              </span>
              {manage && (
                <span className="actions">
                  <button
                    type="button"
                    className="secondary"
                    aria-label={`Rename ${environment.name}`}
                    onClick={() => setRenaming({ id: environment.id, name: environment.name })}
                  >
                    Rename
                  </button>
                  <button
                    type="button"
                    className="secondary danger"
                    aria-label={`Delete environment ${environment.name}`}
                    onClick={() => {
                      remove.reset()
                      setDeleting(environment)
                    }}
                  >
                    Delete environment
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        title="Delete environment"
        confirmLabel="Delete environment"
        open={deleting !== undefined}
        onCancel={() => setDeleting(undefined)}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
        pending={remove.isPending}
        error={remove.error}
      >
        <p>
          Delete the environment <code>{deleting?.name}</code>? Only an environment without API keys can be
          deleted. This cannot be undone.
        </p>
      </ConfirmDialog>
      <Dialog title="Rename environment" open={renaming !== undefined} onClose={() => setRenaming(undefined)}>
        <Form onSubmit={() => rename.mutate()}>
          <Field
            label="Name"
            name="name"
            value={renaming?.name ?? ''}
            onChange={(value) => renaming && setRenaming({ ...renaming, name: value })}
            required
          />
          <p className="hint">Keys keep working; gateways see the new name.</p>
          <ErrorMessage error={rename.error} />
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setRenaming(undefined)}>
              Cancel
            </button>
            <button type="submit">Rename</button>
          </div>
        </Form>
      </Dialog>
    </section>
  )
}

export function ApplicationsPage({ organization }: { organization: Organization }) {
  useDocumentTitle('Applications', organization.name)
  const queryClient = useQueryClient()
  const [name, setName] = useState('')
  const applications = useInfiniteQuery({
    queryKey: applicationsKey(organization),
    queryFn: ({ pageParam }) => api.applications(organization.id, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  })
  const create = useMutation({
    mutationFn: () => api.createApplication(organization.id, { name }),
    onSuccess: async () => {
      setName('')
      await queryClient.invalidateQueries({ queryKey: applicationsKey(organization) })
    },
  })
  const items = applications.data?.pages.flatMap((page) => page.items) ?? []
  return (
    <section aria-labelledby="applications-title">
      <h1 id="applications-title">Applications</h1>
      {can(organization, 'application:create') && (
        <Form className="inline" onSubmit={() => create.mutate()}>
          <Field label="New application name" name="name" value={name} onChange={setName} required />
          <button type="submit">Create application</button>
        </Form>
      )}
      <ErrorMessage error={create.error} />
      {applications.isPending ? (
        <Loading />
      ) : applications.isError ? (
        <LoadError
          what="the applications"
          error={applications.error}
          onRetry={() => void applications.refetch()}
        />
      ) : items.length === 0 ? (
        <p className="muted">No applications yet.</p>
      ) : (
        <ul className="cards" aria-label="Applications">
          {items.map((application) => (
            <li key={application.id}>
              <Link to={`/o/${organization.handle}/applications/${application.id}`}>{application.name}</Link>
            </li>
          ))}
        </ul>
      )}
      <ShowMore list={applications} />
    </section>
  )
}

const dateOf = (iso: string) =>
  new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })

/**
 * One API key as a person tells it apart from the others: name, prefix and last four, environment,
 * when and by whom it was made, when it was last used, when it stops working (a rotated key's
 * grace period), and whether it is the one just created or rotated here.
 */
function KeyDetails(props: { apiKey: Key; creator: string; isNew: boolean; now: number }) {
  const { apiKey: key, now } = props
  const expiry = key.expiresAt ? expiryText(key.expiresAt, now) : undefined
  return (
    <span>
      <strong>{key.name}</strong>{' '}
      <code>
        {key.prefix}…{key.last4}
      </code>{' '}
      · {key.environment}
      {props.isNew && <span className="badge new">new</span>}
      {expiry && <span className={`badge ${expiry === 'expired' ? 'expired' : 'expiring'}`}>{expiry}</span>}
      <br />
      <small className="muted">
        Created {dateOf(key.createdAt)} by {props.creator} ·{' '}
        {key.lastUsedAt ? `last used ${timeAgoText(key.lastUsedAt, now)}` : 'never used'}
      </small>
    </span>
  )
}

export function ApplicationPage({
  organization,
  id,
  meId,
}: {
  organization: Organization
  id: string
  meId: string
}) {
  const queryClient = useQueryClient()
  const application = useQuery({
    queryKey: ['application', id],
    queryFn: () => api.application(organization.id, id),
  })
  useDocumentTitle(application.data?.name, organization.name)
  const keys = useQuery({ queryKey: ['keys', id], queryFn: () => api.keys(organization.id, id) })
  // An external API subscriber may not list environments: the domain names the ones they may use.
  const permitted = keyEnvironmentsOf(organization.roles)
  const environments = useQuery({
    queryKey: ['environments', organization.id],
    queryFn: () => api.environments(organization.id),
    enabled: permitted === undefined,
  })
  const environmentNames = permitted ?? environments.data?.items.map((e) => e.name) ?? []
  const subscriptions = useQuery({
    queryKey: ['subscriptions', id],
    queryFn: () => api.subscriptions(organization.id, id),
  })
  const subscribedApis = useApisOf(organization, subscriptions.data?.items.map((s) => s.apiId) ?? [])
  const [environment, setEnvironment] = useState('production')
  const [secret, setSecret] = useState<KeyWithSecret | undefined>()
  const [revoking, setRevoking] = useState<Key | undefined>()
  // The key created or rotated last on this page, marked "new" beside the one it replaced.
  const [newKeyId, setNewKeyId] = useState<string | undefined>()
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['keys', id] })
  const issued = async (key: KeyWithSecret) => {
    setSecret(key)
    setNewKeyId(key.id)
    await refresh()
  }
  const create = useMutation({
    mutationFn: () => api.createKey(organization.id, id, { environment }),
    onSuccess: issued,
  })
  const rotate = useMutation({
    mutationFn: (keyId: string) => api.rotateKey(organization.id, id, keyId, 3600),
    onSuccess: issued,
  })
  const creatorIds = [
    ...new Set(
      keys.data?.items.flatMap((key) => (key.createdBy && key.createdBy !== meId ? [key.createdBy] : [])),
    ),
  ]
  const members = useMemberNames(organization, creatorIds)
  const creatorOf = (key: Key) => {
    if (key.createdBy === meId) return 'you'
    // Null: the account is gone, or (for a portal-only member) the server does not say who.
    if (key.createdBy === null)
      return isPortalOnly(organization.roles) ? 'another member' : 'a deleted account'
    const name = members.names.get(key.createdBy)
    if (name) return name
    if (!can(organization, 'member:read')) return 'another member'
    return members.complete ? 'a former member' : '…'
  }
  const now = Date.now()
  const revoke = useMutation({
    mutationFn: (keyId: string) => api.revokeKey(organization.id, id, keyId),
    onSuccess: async () => {
      setRevoking(undefined)
      await refresh()
    },
  })
  if (application.isPending) return <Loading />
  if (application.isError) {
    return isNotFound(application.error) ? (
      <NotFound
        message={`There is no application with the ID ${id} in ${organization.name}.`}
        back={{ to: `/o/${organization.handle}/applications`, label: 'Back to Applications' }}
      />
    ) : (
      <LoadError
        what="the application"
        error={application.error}
        onRetry={() => void application.refetch()}
      />
    )
  }
  return (
    <section aria-labelledby="application-title">
      <p>
        <Link to={`/o/${organization.handle}/applications`}>← Applications</Link>
      </p>
      <h1 id="application-title">{application.data.name}</h1>
      <Subscriptions organization={organization} applicationId={id} />
      <h2>API keys</h2>
      {can(organization, 'credential:create') && (
        <Form className="inline" onSubmit={() => create.mutate()}>
          <div className="field">
            <label htmlFor="key-environment">Environment</label>
            <select
              id="key-environment"
              value={environment}
              onChange={(event) => setEnvironment(event.target.value)}
            >
              {environmentNames.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">Create key</button>
        </Form>
      )}
      <ErrorMessage error={create.error ?? rotate.error} />
      {keys.data?.items.length === 0 && <p className="muted">No keys yet.</p>}
      <ul className="cards" aria-label="API keys">
        {keys.data?.items.map((key) => (
          <li key={key.id}>
            <KeyDetails apiKey={key} creator={creatorOf(key)} isNew={key.id === newKeyId} now={now} />
            {can(organization, 'credential:create') && (
              <button
                type="button"
                className="secondary"
                onClick={() => rotate.mutate(key.id)}
                aria-label={`Rotate ${key.name}`}
              >
                Rotate (1 h grace)
              </button>
            )}
            {can(organization, 'credential:revoke') && (
              <button
                type="button"
                className="secondary danger"
                onClick={() => {
                  revoke.reset()
                  setRevoking(key)
                }}
                aria-label={`Revoke key ${key.name} ${key.prefix}…${key.last4}`}
              >
                Revoke key
              </button>
            )}
          </li>
        ))}
      </ul>
      <Usage
        organization={organization}
        applicationId={id}
        keys={keys.data?.items ?? []}
        subscriptions={subscriptions.data?.items ?? []}
        apis={[...subscribedApis.values()]}
      />
      <ConfirmDialog
        title="Revoke key"
        confirmLabel="Revoke key"
        open={revoking !== undefined}
        onCancel={() => setRevoking(undefined)}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
        pending={revoke.isPending}
        error={revoke.error}
      >
        <p>
          Revoke <strong>{revoking?.name}</strong>{' '}
          <code>
            {revoking?.prefix}…{revoking?.last4}
          </code>{' '}
          ({revoking?.environment})? Requests with it are refused at once. This cannot be undone.
        </p>
      </ConfirmDialog>
      <Dialog title="Your new API key" open={secret !== undefined} onClose={() => setSecret(undefined)}>
        <p>Copy it now: it is shown only once.</p>
        <p>
          <code className="secret" data-testid="secret">
            {secret?.secret}
          </code>
        </p>
        <div className="actions">
          <CopyButton value={secret?.secret ?? ''} label="Copy key" />
          <button type="button" onClick={() => setSecret(undefined)}>
            Done
          </button>
        </div>
      </Dialog>
    </section>
  )
}

function Subscriptions({
  organization,
  applicationId,
}: {
  organization: Organization
  applicationId: string
}) {
  const queryClient = useQueryClient()
  const [apiId, setApiId] = useState('')
  const [plan, setPlan] = useState('default')
  const [cancelling, setCancelling] = useState<Subscription | undefined>()
  const subscriptions = useQuery({
    queryKey: ['subscriptions', applicationId],
    queryFn: () => api.subscriptions(organization.id, applicationId),
  })
  const apis = useEveryApi(organization)
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['subscriptions', applicationId] })
  const plans = useQuery({
    queryKey: plansKey(apiId),
    queryFn: () => api.plans(organization.id, apiId),
    enabled: apiId !== '',
  })
  const subscribe = useMutation({
    mutationFn: () => api.subscribe(organization.id, applicationId, { apiId, plan }),
    onSuccess: async () => {
      setApiId('')
      setPlan('default')
      await refresh()
    },
  })
  const cancel = useMutation({
    mutationFn: (id: string) => api.unsubscribe(organization.id, applicationId, id),
    onSuccess: async () => {
      setCancelling(undefined)
      await refresh()
    },
  })
  const subscribed = new Set(subscriptions.data?.items.map((s) => s.apiId))
  const subscribedApis = useApisOf(organization, [...subscribed])
  const nameOf = (id: string) => {
    const found = subscribedApis.get(id)
    return found ? `${found.name} ${found.version}` : 'an API'
  }
  const plansOf = usePlansOf(organization, [...subscribed])
  const subscriptionPlan = (apiId: string, name: string) => {
    const found = plansOf.get(apiId)?.find((p) => p.name === name)
    return found ? `${found.title} plan (${limitsOf(found)})` : `plan ${name}`
  }
  const open =
    apis.data?.items.filter((item) => item.status === 'published' && !subscribed.has(item.id)) ?? []
  return (
    <>
      <h2>Subscriptions</h2>
      {can(organization, 'subscription:create') && open.length > 0 && (
        <Form className="inline" onSubmit={() => subscribe.mutate()}>
          <div className="field">
            <label htmlFor="subscribe-api">Published API</label>
            <select
              id="subscribe-api"
              value={apiId}
              onChange={(event) => {
                setApiId(event.target.value)
                setPlan('default')
              }}
              required
            >
              <option value="">Choose an API</option>
              {open.map((item) => (
                <option key={item.id} value={item.id}>
                  {item.name} {item.version}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="subscribe-plan">Plan</label>
            <select
              id="subscribe-plan"
              value={plan}
              onChange={(event) => setPlan(event.target.value)}
              disabled={apiId === '' || !plans.data}
            >
              {apiId && plans.data ? (
                plans.data.items.map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.title} ({limitsOf(p)})
                  </option>
                ))
              ) : (
                // Until an API is chosen: its limits are not known yet.
                <option value="default">Default</option>
              )}
            </select>
          </div>
          <button type="submit">Subscribe</button>
        </Form>
      )}
      <ErrorMessage error={subscribe.error} />
      {subscriptions.data?.items.length === 0 && <p className="muted">Not subscribed to any API yet.</p>}
      <ul className="cards">
        {subscriptions.data?.items.map((subscription) => (
          <li key={subscription.id}>
            <span>
              {nameOf(subscription.apiId)} · {subscriptionPlan(subscription.apiId, subscription.plan)}
            </span>
            {can(organization, 'subscription:delete') && (
              <button
                type="button"
                className="secondary danger"
                aria-label={`Cancel subscription to ${nameOf(subscription.apiId)}`}
                onClick={() => {
                  cancel.reset()
                  setCancelling(subscription)
                }}
              >
                Cancel subscription
              </button>
            )}
          </li>
        ))}
      </ul>
      <ConfirmDialog
        title="Cancel subscription"
        confirmLabel="Cancel subscription"
        open={cancelling !== undefined}
        onCancel={() => setCancelling(undefined)}
        onConfirm={() => cancelling && cancel.mutate(cancelling.id)}
        pending={cancel.isPending}
        error={cancel.error}
      >
        <p>
          Cancel this application’s subscription to <strong>{cancelling && nameOf(cancelling.apiId)}</strong>?
          Its keys stop reaching that API at once.
        </p>
      </ConfirmDialog>
    </>
  )
}
