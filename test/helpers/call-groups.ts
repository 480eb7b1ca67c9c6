// How many calls of a kind an app ran together (group commit) and alone, from its /metrics.
import type { App } from '../../src/http/app-instance.ts'

/** portico_grouped_calls_total of `kind` (organization.create, invitation.create, invitation.accept, …). */
export async function groupedCalls(app: App, kind: string): Promise<{ together: number; alone: number }> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  const count = (ran: string) =>
    Number(
      text.match(
        new RegExp(`^portico_grouped_calls_total\\{kind="${kind}",ran="${ran}"\\} (\\d+)$`, 'm'),
      )?.[1] ?? 0,
    )
  return { together: count('together'), alone: count('alone') }
}
