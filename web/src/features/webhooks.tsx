// Webhooks: the organization's endpoints, adding one with an event picker grouped like the catalog
// (the signing secret shown once), and each endpoint's page with its deliveries (status, response
// code, error, Retry), a test event, editing, secret rotation (the new secret shown once),
// disabling, enabling and deletion.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api, type Delivery, type Organization, type Webhook, type WebhookWithSecret } from '../api/client.ts'
import { navigate } from '../router.ts'
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
import { eventGroups } from './event-groups.ts'

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—')

/**
 * Checkboxes for every event type, grouped; "All events" (`*`) or a group's "all" (`member.*`)
 * stands for what it covers, whose boxes are then shown checked and disabled.
 */
function EventPicker(props: { chosen: string[]; onChange: (chosen: string[]) => void }) {
  const has = (filter: string) => props.chosen.includes(filter)
  const toggle = (filter: string, on: boolean, covered: (filter: string) => boolean = () => false) =>
    props.onChange(
      on ? [...props.chosen.filter((f) => !covered(f)), filter] : props.chosen.filter((f) => f !== filter),
    )
  const everything = has('*')
  return (
    <fieldset className="events">
      <legend>Events</legend>
      <label className="all">
        <input
          type="checkbox"
          checked={everything}
          onChange={(event) => toggle('*', event.target.checked, () => true)}
        />
        <span>
          All events <code>*</code>
        </span>
      </label>
      <div className="groups">
        {eventGroups.map(({ group, title, types }) => {
          const wildcard = `${group}.*`
          const wholeGroup = everything || has(wildcard)
          return (
            <fieldset key={group}>
              <legend>{title}</legend>
              <label>
                <input
                  type="checkbox"
                  checked={wholeGroup}
                  disabled={everything}
                  onChange={(event) =>
                    toggle(wildcard, event.target.checked, (filter) => filter.startsWith(`${group}.`))
                  }
                />
                <span>
                  All <code>{wildcard}</code>
                </span>
              </label>
              {types.map((type) => (
                <label key={type}>
                  <input
                    type="checkbox"
                    checked={wholeGroup || has(type)}
                    disabled={wholeGroup}
                    onChange={(event) => toggle(type, event.target.checked)}
                  />
                  <code>{type}</code>
                </label>
              ))}
            </fieldset>
          )
        })}
      </div>
    </fieldset>
  )
}

interface Endpoint {
  url: string
  description: string
  events: string[]
}

/** The URL, description and events of an endpoint, to add one or change one. */
function EndpointForm(props: {
  initial: Endpoint
  submitLabel: string
  pending: boolean
  error: unknown
  onSubmit: (endpoint: Endpoint) => void
  onCancel: () => void
}) {
  const [endpoint, setEndpoint] = useState(props.initial)
  return (
    <Form onSubmit={() => props.onSubmit(endpoint)}>
      <Field
        label="Endpoint URL"
        name="url"
        type="url"
        value={endpoint.url}
        onChange={(url) => setEndpoint({ ...endpoint, url })}
        required
        hint="http or https; deliveries are POSTs of JSON."
      />
      <Field
        label="Description"
        name="description"
        value={endpoint.description}
        onChange={(description) => setEndpoint({ ...endpoint, description })}
      />
      <EventPicker chosen={endpoint.events} onChange={(events) => setEndpoint({ ...endpoint, events })} />
      <ErrorMessage error={props.error} />
      <div className="actions">
        <button type="button" className="secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={endpoint.events.length === 0 || props.pending}>
          {props.submitLabel}
        </button>
      </div>
    </Form>
  )
}

function SecretDialog(props: { title: string; secret: WebhookWithSecret | undefined; onClose: () => void }) {
  return (
    <Dialog title={props.title} open={props.secret !== undefined} onClose={props.onClose}>
      <p>
        Deliveries to <strong>{props.secret?.url}</strong> are signed with this secret (Standard Webhooks).
        Copy it now: it is shown only once.
      </p>
      <p>
        <code className="secret" data-testid="secret">
          {props.secret?.secret}
        </code>
      </p>
      <div className="actions">
        <CopyButton value={props.secret?.secret ?? ''} label="Copy secret" />
        <button type="button" onClick={props.onClose}>
          Done
        </button>
      </div>
    </Dialog>
  )
}

function EnabledBadge({ webhook }: { webhook: Webhook }) {
  return (
    <span className={`badge ${webhook.enabled ? 'enabled' : 'disabled'}`}>
      {webhook.enabled ? 'enabled' : 'disabled'}
    </span>
  )
}

export function WebhooksPage({ organization }: { organization: Organization }) {
  useDocumentTitle('Webhooks', organization.name)
  const queryClient = useQueryClient()
  const [adding, setAdding] = useState(false)
  const [created, setCreated] = useState<WebhookWithSecret | undefined>()
  // The list's own key under the organization's: a new endpoint changes the list, not other pages.
  const listKey = ['webhooks', organization.id, 'pages']
  const webhooks = useInfiniteQuery({
    queryKey: listKey,
    queryFn: ({ pageParam }) => api.webhooks(organization.id, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  })
  const items = webhooks.data?.pages.flatMap((page) => page.items) ?? []
  const create = useMutation({
    mutationFn: (endpoint: Endpoint) =>
      api.createWebhook(organization.id, { ...endpoint, description: endpoint.description || undefined }),
    onSuccess: async (webhook) => {
      setAdding(false)
      setCreated(webhook)
      await queryClient.invalidateQueries({ queryKey: listKey })
    },
  })
  const manage = organization.permissions.includes('webhook:manage')
  return (
    <section aria-labelledby="webhooks-title">
      <div className="title-row">
        <h1 id="webhooks-title">Webhooks</h1>
        {manage && (
          <button
            type="button"
            onClick={() => {
              create.reset()
              setAdding(true)
            }}
          >
            Add endpoint
          </button>
        )}
      </div>
      <p className="hint">
        Portico POSTs each event it records to the endpoints that take its type, signed with the endpoint's
        secret, and retries failed deliveries. See docs/events.md for the payloads and how to verify them.
      </p>
      {webhooks.isPending ? (
        <Loading />
      ) : webhooks.isError ? (
        <ErrorMessage error={webhooks.error} />
      ) : items.length === 0 ? (
        <p className="muted">No endpoints yet.</p>
      ) : (
        <ul className="cards" aria-label="Endpoints">
          {items.map((webhook) => (
            <li key={webhook.id}>
              <span>
                <Link to={`/o/${organization.handle}/webhooks/${webhook.id}`}>{webhook.url}</Link>
                {webhook.description && <small className="muted"> · {webhook.description}</small>}
                <br />
                {webhook.events.map((filter) => (
                  <span className="chip" key={filter}>
                    {filter}
                  </span>
                ))}
              </span>
              <EnabledBadge webhook={webhook} />
            </li>
          ))}
        </ul>
      )}
      <ShowMore list={webhooks} />
      <Dialog title="Add endpoint" open={adding} onClose={() => setAdding(false)}>
        <EndpointForm
          initial={{ url: '', description: '', events: [] }}
          submitLabel="Add endpoint"
          pending={create.isPending}
          error={create.error}
          onSubmit={(endpoint) => create.mutate(endpoint)}
          onCancel={() => setAdding(false)}
        />
      </Dialog>
      <SecretDialog title="Endpoint added" secret={created} onClose={() => setCreated(undefined)} />
    </section>
  )
}

export function WebhookPage({ organization, id }: { organization: Organization; id: string }) {
  const queryClient = useQueryClient()
  const [secret, setSecret] = useState<WebhookWithSecret | undefined>()
  const [confirm, setConfirm] = useState<'rotate' | 'delete' | undefined>()
  const [editing, setEditing] = useState(false)
  const webhook = useQuery({
    queryKey: ['webhooks', organization.id, id],
    queryFn: () => api.webhook(organization.id, id),
  })
  useDocumentTitle(webhook.data?.url, 'Webhooks', organization.name)
  // While a delivery is pending, its attempts are followed as they happen.
  const deliveries = useQuery({
    queryKey: ['deliveries', id],
    queryFn: () => api.deliveries(organization.id, id),
    refetchInterval: (query) =>
      query.state.data?.items.some((delivery) => delivery.status === 'pending') ? 1000 : false,
  })
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['webhooks', organization.id] }),
      queryClient.invalidateQueries({ queryKey: ['deliveries', id] }),
    ])
  const test = useMutation({ mutationFn: () => api.sendTestEvent(organization.id, id), onSuccess: refresh })
  const retry = useMutation({
    mutationFn: (delivery: Delivery) => api.retryDelivery(organization.id, id, delivery.id),
    onSuccess: refresh,
  })
  const setEnabled = useMutation({
    mutationFn: (enabled: boolean) => api.updateWebhook(organization.id, id, { enabled }),
    onSuccess: refresh,
  })
  const edit = useMutation({
    mutationFn: (endpoint: Endpoint) => api.updateWebhook(organization.id, id, endpoint),
    onSuccess: async () => {
      setEditing(false)
      await refresh()
    },
  })
  const rotate = useMutation({
    mutationFn: () => api.rotateWebhookSecret(organization.id, id),
    onSuccess: async (rotated) => {
      setConfirm(undefined)
      setSecret(rotated)
      await refresh()
    },
  })
  const remove = useMutation({
    mutationFn: () => api.deleteWebhook(organization.id, id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['webhooks', organization.id] })
      navigate(`/o/${organization.handle}/webhooks`)
    },
  })
  const manage = organization.permissions.includes('webhook:manage')
  if (webhook.isPending) return <Loading />
  if (webhook.isError) {
    return isNotFound(webhook.error) ? (
      <NotFound
        message={`There is no webhook endpoint with the ID ${id} in ${organization.name}.`}
        back={{ to: `/o/${organization.handle}/webhooks`, label: 'Back to Webhooks' }}
      />
    ) : (
      <LoadError what="the endpoint" error={webhook.error} onRetry={() => void webhook.refetch()} />
    )
  }
  const endpoint = webhook.data
  return (
    <section aria-labelledby="webhook-title">
      <p>
        <Link to={`/o/${organization.handle}/webhooks`}>← Webhooks</Link>
      </p>
      <div className="title-row">
        <h1 id="webhook-title" className="url">
          {endpoint.url}
        </h1>
        <EnabledBadge webhook={endpoint} />
      </div>
      {endpoint.description && <p>{endpoint.description}</p>}
      <p>
        Events:{' '}
        {endpoint.events.map((filter) => (
          <span className="chip" key={filter}>
            {filter}
          </span>
        ))}
      </p>
      {endpoint.disabledReason && (
        <p className="error" role="alert">
          Disabled: {endpoint.disabledReason}
        </p>
      )}
      {manage && (
        <div className="actions">
          {endpoint.enabled && (
            <button
              type="button"
              className="secondary"
              onClick={() => test.mutate()}
              disabled={test.isPending}
            >
              Send test event
            </button>
          )}
          <button
            type="button"
            className="secondary"
            onClick={() => {
              edit.reset()
              setEditing(true)
            }}
          >
            Edit
          </button>
          <button type="button" className="secondary" onClick={() => setConfirm('rotate')}>
            Rotate secret
          </button>
          {endpoint.enabled ? (
            <button type="button" className="secondary" onClick={() => setEnabled.mutate(false)}>
              Disable
            </button>
          ) : (
            <button type="button" className="secondary" onClick={() => setEnabled.mutate(true)}>
              Enable
            </button>
          )}
          <button type="button" className="secondary danger" onClick={() => setConfirm('delete')}>
            Delete endpoint
          </button>
        </div>
      )}
      <ErrorMessage error={test.error ?? retry.error ?? setEnabled.error} />
      <h2>Deliveries</h2>
      {deliveries.isPending ? (
        <Loading />
      ) : deliveries.isError ? (
        <ErrorMessage error={deliveries.error} />
      ) : deliveries.data.items.length === 0 ? (
        <p className="muted">No deliveries yet.</p>
      ) : (
        <div className="table-wrap">
          <table aria-label="Deliveries">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Response</th>
                <th scope="col">Error</th>
                <th scope="col">Created</th>
                {manage && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {deliveries.data.items.map((delivery) => (
                <tr key={delivery.id}>
                  <td>
                    <code>{delivery.type}</code>
                  </td>
                  <td>
                    <span className={`badge ${delivery.status}`}>{delivery.status}</span>
                    {delivery.status === 'pending' && delivery.nextAttemptAt && (
                      <small className="muted nowrap"> next {when(delivery.nextAttemptAt)}</small>
                    )}
                  </td>
                  <td>{delivery.attempts}</td>
                  <td>{delivery.lastStatusCode ?? '—'}</td>
                  <td>{delivery.lastError ?? '—'}</td>
                  <td className="nowrap">{when(delivery.createdAt)}</td>
                  {manage && (
                    <td>
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Retry ${delivery.type} of ${when(delivery.createdAt)}`}
                        onClick={() => retry.mutate(delivery)}
                      >
                        Retry
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deliveries.data?.nextCursor && <p className="muted">The 50 newest deliveries are shown.</p>}
      <Dialog title="Edit endpoint" open={editing} onClose={() => setEditing(false)}>
        <EndpointForm
          initial={{ url: endpoint.url, description: endpoint.description, events: endpoint.events }}
          submitLabel="Save"
          pending={edit.isPending}
          error={edit.error}
          onSubmit={(change) => edit.mutate(change)}
          onCancel={() => setEditing(false)}
        />
      </Dialog>
      <Dialog title="Rotate secret" open={confirm === 'rotate'} onClose={() => setConfirm(undefined)}>
        <p>
          Every delivery from now on is signed with a new secret; the current one stops working at once.
          Update the receiver with the new secret.
        </p>
        <ErrorMessage error={rotate.error} />
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setConfirm(undefined)}>
            Cancel
          </button>
          <button type="button" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
            Rotate
          </button>
        </div>
      </Dialog>
      <ConfirmDialog
        title="Delete endpoint"
        confirmLabel="Delete endpoint"
        open={confirm === 'delete'}
        onCancel={() => setConfirm(undefined)}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
        error={remove.error}
      >
        <p>
          Delete <strong>{endpoint.url}</strong> and its deliveries? Pending deliveries are not sent.
        </p>
      </ConfirmDialog>
      <SecretDialog title="New secret" secret={secret} onClose={() => setSecret(undefined)} />
    </section>
  )
}
