// Two Portico instances on one PostgreSQL (directly, and through PgBouncer in transaction mode),
// both dispatching the one outbox: every delivery reaches the receiver once, never the same attempt
// twice, whichever instance queued it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { createOrganization } from '../helpers/organizations.ts'
import { must } from '../helpers/portal.ts'
import { connections, startTwoInstances, type TwoInstances } from '../helpers/two-instances.ts'
import { eventually, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts'

describe.runIf(databases.includes('postgres')).each(connections)(
  'webhook deliveries from two instances on PostgreSQL, connected %s',
  (connection) => {
    let instances: TwoInstances
    let receiver: WebhookReceiver
    beforeAll(async () => {
      receiver = await startWebhookReceiver()
      instances = await startTwoInstances({ WEBHOOK_ALLOW_PRIVATE: 'on' }, connection)
    }, 180_000)
    afterAll(async () => {
      await instances?.close()
      await receiver?.close()
    })

    // guards: double delivery when several instances lease the same outbox
    it('delivers every event once although both instances dispatch', { timeout: 60_000 }, async () => {
      const { a, b } = instances
      const owner = await signUp(a.app)
      const org = await createOrganization(a.app, owner, 'Two Dispatchers')
      const base = `/v1/organizations/${org.id}/webhooks`
      const hook = await must(
        call(a.app, 'POST', base, {
          token: owner.token,
          body: { url: `${receiver.url}/both`, events: ['*'] },
        }),
        201,
      )
      const rounds = 60
      await Promise.all(
        Array.from({ length: rounds }, (_, index) =>
          must(
            call(index % 2 ? a.app : b.app, 'POST', `${base}/${hook.id}/test`, { token: owner.token }),
            202,
          ),
        ),
      )
      // Its own creation plus the test events, each recorded as delivered.
      const done = await eventually(
        async () =>
          (
            await must(
              call(b.app, 'GET', `${base}/${hook.id}/deliveries?limit=100&status=succeeded`, {
                token: owner.token,
              }),
              200,
            )
          ).items,
        (items) => items.length === rounds + 1,
        30_000,
      )
      for (const delivery of done) expect(delivery.attempts).toBe(1)
      // Both dispatchers keep polling: give a second attempt every chance to show up.
      await a.dispatcher.runDue()
      await b.dispatcher.runDue()
      const ids = receiver.received
        .filter((r) => r.path === '/both')
        .map((r) => String(r.headers['webhook-id']))
      expect(ids).toHaveLength(rounds + 1)
      expect(new Set(ids).size).toBe(rounds + 1)
    })
  },
)
