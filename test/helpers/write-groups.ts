// How many writes of a kind an app wrote together (group commit) and alone, from its /metrics.
import type { App } from '../../src/http/app-instance.ts'

/** portico_grouped_writes_total of `kind` (organization.create, invitation.create, invitation.accept). */
export async function groupedWrites(app: App, kind: string): Promise<{ together: number; alone: number }> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  const count = (written: string) =>
    Number(
      text.match(
        new RegExp(`^portico_grouped_writes_total\\{kind="${kind}",written="${written}"\\} (\\d+)$`, 'm'),
      )?.[1] ?? 0,
    )
  return { together: count('together'), alone: count('alone') }
}
