// An API's page: what it is, and its plans (publishers add, edit and remove them; every API keeps
// `default`). A plan's limits count per application over all its keys, in the UTC minute and the
// UTC day (API.md "Plans, rate limits and usage"). Also the plan words the application page uses.
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { type Api, api, type Organization, type Plan } from '../api/client.ts'
import {
  Dialog,
  ErrorMessage,
  Field,
  Form,
  isNotFound,
  Link,
  LoadError,
  Loading,
  NotFound,
  useDocumentTitle,
} from '../ui.tsx'

const DEFAULT_PLAN = 'default'
const count = new Intl.NumberFormat('en-US')

/** "3 per minute · 1,000 per day", or "No limits". */
export function limitsOf(plan: Pick<Plan, 'requestsPerMinute' | 'requestsPerDay'>): string {
  const parts = [
    plan.requestsPerMinute !== undefined ? `${count.format(plan.requestsPerMinute)} per minute` : undefined,
    plan.requestsPerDay !== undefined ? `${count.format(plan.requestsPerDay)} per day` : undefined,
  ].filter(Boolean)
  return parts.length > 0 ? parts.join(' · ') : 'No limits'
}

export const plansKey = (apiId: string) => ['plans', apiId]
/** One API, read by its own request: its page, and the names a subscription shows. */
export const apiKey = (apiId: string) => ['api', apiId]

/** The APIs named, each read by its own request (never looked up in a first page of the list). */
export function useApisOf(organization: Organization, apiIds: string[]): Map<string, Api> {
  const results = useQueries({
    queries: apiIds.map((apiId) => ({
      queryKey: apiKey(apiId),
      queryFn: () => api.api(organization.id, apiId),
    })),
  })
  const found = new Map<string, Api>()
  for (const result of results) if (result.data) found.set(result.data.id, result.data)
  return found
}

/** The plans of each API named (one query each, shared with every page that shows them). */
export function usePlansOf(organization: Organization, apiIds: string[]): Map<string, Plan[]> {
  const results = useQueries({
    queries: apiIds.map((apiId) => ({
      queryKey: plansKey(apiId),
      queryFn: () => api.plans(organization.id, apiId),
    })),
  })
  return new Map(apiIds.map((apiId, index) => [apiId, results[index]?.data?.items ?? []]))
}

interface Draft {
  name: string
  title: string
  requestsPerMinute: string
  requestsPerDay: string
}

const limit = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text))

export function ApiPage({ organization, id }: { organization: Organization; id: string }) {
  const item = useQuery({ queryKey: apiKey(id), queryFn: () => api.api(organization.id, id) })
  useDocumentTitle(item.data ? `${item.data.name} ${item.data.version}` : 'API', organization.name)
  if (item.isPending) return <Loading />
  if (!item.data) {
    return isNotFound(item.error) ? (
      <NotFound
        message={`There is no API with the ID ${id} in ${organization.name}.`}
        back={{ to: `/o/${organization.handle}/apis`, label: 'Back to APIs' }}
      />
    ) : (
      <LoadError what="the API" error={item.error} onRetry={() => void item.refetch()} />
    )
  }
  const found: Api = item.data
  return (
    <section aria-labelledby="api-title">
      <p>
        <Link to={`/o/${organization.handle}/apis`}>← APIs</Link>
      </p>
      <div className="title-row">
        <h1 id="api-title">
          {found.name} {found.version}
        </h1>
        <span className={`badge ${found.status}`}>{found.status}</span>
      </div>
      <p>
        Served at <code>{`${found.basePath}/${found.version}`}</code>
        {found.description ? ` · ${found.description}` : ''}
      </p>
      <Plans organization={organization} apiId={found.id} />
    </section>
  )
}

function Plans({ organization, apiId }: { organization: Organization; apiId: string }) {
  const queryClient = useQueryClient()
  const plans = useQuery({ queryKey: plansKey(apiId), queryFn: () => api.plans(organization.id, apiId) })
  // The plan being edited (its name), a new one (''), or none.
  const [editing, setEditing] = useState<string | undefined>()
  const [draft, setDraft] = useState<Draft>({
    name: '',
    title: '',
    requestsPerMinute: '',
    requestsPerDay: '',
  })
  const replace = useMutation({
    mutationFn: (items: Plan[]) => api.replacePlans(organization.id, apiId, items),
    onSuccess: (answer) => {
      queryClient.setQueryData(plansKey(apiId), answer)
      setEditing(undefined)
    },
  })
  const manage = organization.permissions.includes('api:update')
  const items = plans.data?.items ?? []
  const open = (plan?: Plan) => {
    replace.reset()
    setEditing(plan?.name ?? '')
    setDraft({
      name: plan?.name ?? '',
      title: plan?.title ?? '',
      requestsPerMinute: plan?.requestsPerMinute?.toString() ?? '',
      requestsPerDay: plan?.requestsPerDay?.toString() ?? '',
    })
  }
  const save = () => {
    const plan: Plan = {
      name: draft.name.trim(),
      title: draft.title.trim(),
      requestsPerMinute: limit(draft.requestsPerMinute),
      requestsPerDay: limit(draft.requestsPerDay),
    }
    replace.mutate(editing ? items.map((item) => (item.name === editing ? plan : item)) : [...items, plan])
  }
  return (
    <>
      <div className="title-row">
        <h2 id="plans-title">Plans</h2>
        {manage && (
          <button type="button" onClick={() => open()}>
            Add plan
          </button>
        )}
      </div>
      <p className="hint">
        A plan limits each subscribed application over all its keys, in the UTC minute and the UTC day, on
        every instance together. An empty limit is no limit.
      </p>
      {editing === undefined && <ErrorMessage error={replace.error} />}
      {plans.isPending ? (
        <Loading />
      ) : (
        <div className="table-wrap">
          <table aria-labelledby="plans-title">
            <thead>
              <tr>
                <th scope="col">Plan</th>
                <th scope="col">Title</th>
                <th scope="col">Per minute</th>
                <th scope="col">Per day</th>
                {manage && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((plan) => (
                <tr key={plan.name}>
                  <td>
                    <code>{plan.name}</code>
                  </td>
                  <td>{plan.title}</td>
                  <td>
                    {plan.requestsPerMinute !== undefined ? count.format(plan.requestsPerMinute) : 'No limit'}
                  </td>
                  <td>
                    {plan.requestsPerDay !== undefined ? count.format(plan.requestsPerDay) : 'No limit'}
                  </td>
                  {manage && (
                    <td className="actions">
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Edit plan ${plan.name}`}
                        onClick={() => open(plan)}
                      >
                        Edit
                      </button>
                      {plan.name !== DEFAULT_PLAN && (
                        <button
                          type="button"
                          className="secondary danger"
                          aria-label={`Remove plan ${plan.name}`}
                          onClick={() => {
                            setEditing(undefined)
                            replace.mutate(items.filter((item) => item.name !== plan.name))
                          }}
                        >
                          Remove
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog
        title={editing ? `Edit plan ${editing}` : 'Add plan'}
        open={editing !== undefined}
        onClose={() => setEditing(undefined)}
      >
        <Form onSubmit={save}>
          <Field
            label="Name"
            name="name"
            value={draft.name}
            onChange={(name) => setDraft({ ...draft, name })}
            required
            readOnly={Boolean(editing)}
            hint={
              editing
                ? 'Subscriptions name the plan by it: it cannot change.'
                : 'Lowercase letters, digits and -.'
            }
          />
          <Field
            label="Title"
            name="title"
            value={draft.title}
            onChange={(title) => setDraft({ ...draft, title })}
            required
          />
          <Field
            label="Requests per minute"
            name="requestsPerMinute"
            type="number"
            value={draft.requestsPerMinute}
            onChange={(requestsPerMinute) => setDraft({ ...draft, requestsPerMinute })}
            hint="Empty: no limit."
          />
          <Field
            label="Requests per day"
            name="requestsPerDay"
            type="number"
            value={draft.requestsPerDay}
            onChange={(requestsPerDay) => setDraft({ ...draft, requestsPerDay })}
            hint="Empty: no limit."
          />
          <ErrorMessage error={replace.error} />
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setEditing(undefined)}>
              Cancel
            </button>
            <button type="submit">{editing ? 'Save plan' : 'Add plan'}</button>
          </div>
        </Form>
      </Dialog>
    </>
  )
}
