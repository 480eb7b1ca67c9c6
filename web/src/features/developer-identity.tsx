// The organization's developer identity in the provider portal, on the Settings page: its ID to
// copy, the provider, its state and last error, and Retry when provisioning failed.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, type Organization } from '../api/client.ts'
import { CopyButton, ErrorMessage, Loading } from '../ui.tsx'

const providerTitles: Record<string, string> = {
  portico: 'Portico (no external provider portal)',
  api7: 'API7 Developer Portal',
}

export function DeveloperIdentity({ organization }: { organization: Organization }) {
  const queryClient = useQueryClient()
  const developer = useQuery({
    queryKey: ['developer', organization.id],
    queryFn: () => api.developer(organization.id),
    // Provisioning runs in the background: a pending identity is followed until it settles.
    refetchInterval: (query) => (query.state.data?.state === 'pending' ? 1000 : false),
  })
  const retry = useMutation({
    mutationFn: () => api.syncDeveloper(organization.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['developer', organization.id] }),
  })
  return (
    <section aria-labelledby="developer-title">
      <h2 id="developer-title">Developer identity</h2>
      {developer.isPending ? (
        <Loading />
      ) : developer.isError ? (
        <ErrorMessage error={developer.error} />
      ) : (
        <dl className="identifiers">
          <dt>Developer ID</dt>
          <dd>
            <code>{developer.data.developerId}</code>{' '}
            <CopyButton value={developer.data.developerId} label="Copy developer ID" />
          </dd>
          <dt>Provider</dt>
          <dd>{providerTitles[developer.data.provider] ?? developer.data.provider}</dd>
          <dt>State</dt>
          <dd>
            <span className={`badge ${developer.data.state}`} data-testid="developer-state">
              {developer.data.state}
            </span>
            {developer.data.syncedAt && (
              <small className="muted">
                last synced {new Date(developer.data.syncedAt).toLocaleString()}
              </small>
            )}
            {developer.data.state === 'failed' &&
              organization.permissions.includes('organization:update') && (
                <button
                  type="button"
                  className="secondary"
                  onClick={() => retry.mutate()}
                  disabled={retry.isPending}
                >
                  Retry
                </button>
              )}
          </dd>
          {developer.data.lastError && (
            <>
              <dt>Last error</dt>
              <dd className="error">{developer.data.lastError}</dd>
            </>
          )}
        </dl>
      )}
      <ErrorMessage error={retry.error} />
    </section>
  )
}
