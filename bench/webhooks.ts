// Webhook deliveries per second from one Portico to a local receiver (node:http answering 204 on
// loopback): N deliveries are queued in the outbox at once, then the dispatcher is woken and timed
// until the last one is recorded as succeeded. Also with a second endpoint that never answers, to
// show it holds one slot each and does not slow the others. PGlite in memory, or PostgreSQL when
// DATABASE_URL is set.
//
//   node bench/webhooks.ts [N]
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readConfig } from '../src/config.ts'
import { createLogger } from '../src/http/logging.ts'
import { startPortico } from '../src/portico.ts'
import { openPGlite, openPostgres } from '../src/store/database.ts'
import { queueDelivery } from '../src/store/webhooks.repository.ts'

const total = Number(process.argv[2] ?? 2000)

const hanging = new Set<import('node:http').ServerResponse>()
const receiver = createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    if (request.url === '/hang') {
      hanging.add(response)
      return
    }
    response.statusCode = 204
    response.end()
  })
})
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`

const config = readConfig({ ...process.env, WEBHOOK_ALLOW_PRIVATE: 'on', ORG_CREATION_LIMIT: '0' })
const database = config.databaseUrl ? await openPostgres(config.databaseUrl) : await openPGlite(undefined)
const portico = await startPortico(config, { database, logger: createLogger({ level: 'silent' }) })
const inject = async (method: 'GET' | 'POST', url: string, token?: string, body?: unknown) => {
  const response = await portico.app.inject({
    method,
    url,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    payload: body ? JSON.stringify(body) : undefined,
  })
  return response.json()
}

const signedUp = await inject('POST', '/v1/auth/sign-up', undefined, {
  email: `bench-${Date.now()}@bench.test`,
  password: 'bench password 1',
  name: 'Bench',
})
const org = await inject('POST', '/v1/organizations', signedUp.token, { name: `Bench ${Date.now()}` })

async function run(label: string, withHanging: boolean): Promise<void> {
  const hook = await inject('POST', `/v1/organizations/${org.id}/webhooks`, signedUp.token, {
    url: `${receiverUrl}/in`,
    events: ['webhook.test'],
  })
  const stuck = withHanging
    ? await inject('POST', `/v1/organizations/${org.id}/webhooks`, signedUp.token, {
        url: `${receiverUrl}/hang`,
        events: ['webhook.test'],
      })
    : undefined
  await portico.dispatcher.stop()
  const now = new Date()
  await portico.database.db.transaction().execute(async (tx) => {
    for (let index = 0; index < total; index++) {
      const payload = {
        id: crypto.randomUUID(),
        type: 'webhook.test',
        timestamp: now.toISOString(),
        organizationId: org.id,
        data: { index },
      }
      await queueDelivery(tx, { organizationId: org.id, id: hook.id }, payload, now)
      if (stuck && index < 8) await queueDelivery(tx, { organizationId: org.id, id: stuck.id }, payload, now)
    }
  })
  const started = performance.now()
  portico.dispatcher.start()
  for (;;) {
    const row = await portico.database.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('subject_id', '=', hook.id)
      .where('status', '=', 'succeeded')
      .executeTakeFirstOrThrow()
    if (Number(row.count) >= total) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const seconds = (performance.now() - started) / 1000
  console.log(
    `${label}: ${total} deliveries in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} deliveries/s (${portico.database.kind})`,
  )
}

await run('one receiver', false)
await run('with 8 deliveries hanging at another receiver', true)
for (const response of hanging) response.destroy()
receiver.closeAllConnections()
receiver.close()
await portico.close()
process.exit(0)
