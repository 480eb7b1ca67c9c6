// Revocation propagation: two Portico instances on one PostgreSQL (directly, and through PgBouncer). A key verified (and so cached)
// on B is revoked through A; B must stop verifying it within 1 s. The measured figure is printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Portico } from '../../src/portico.ts'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { createOrganization } from '../helpers/organizations.ts'
import { apiKey, application, must } from '../helpers/portal.ts'
import { connections, startTwoInstances, type TwoInstances } from '../helpers/two-instances.ts'

describe.runIf(databases.includes('postgres')).each(connections)(
  'key revocation across instances on PostgreSQL, connected %s',
  (connection) => {
    let instances: TwoInstances
    let a: Portico
    let b: Portico
    beforeAll(async () => {
      instances = await startTwoInstances({ GATEWAY_TOKEN: 'gw' }, connection)
      a = instances.a
      b = instances.b
    })
    afterAll(async () => {
      await instances?.close()
    })

    const verifyOn = async (portico: Portico, key: string) =>
      (await call(portico.app, 'POST', '/v1/keys/verify', { token: 'gw', body: { key } })).body

    it('stops verifying a revoked key on the other instance within 1 s', async () => {
      const owner = await signUp(a.app)
      const org = await createOrganization(a.app, owner, 'Two Instances')
      const shop = await application(a.app, owner.token, org.id)
      const figures: number[] = []
      for (let round = 0; round < 5; round++) {
        const key = await apiKey(a.app, owner.token, org.id, shop.id)
        expect((await verifyOn(b, key.secret)).valid).toBe(true)
        expect((await verifyOn(b, key.secret)).valid).toBe(true)
        const started = performance.now()
        await must(
          call(a.app, 'DELETE', `/v1/organizations/${org.id}/applications/${shop.id}/keys/${key.id}`, {
            token: owner.token,
          }),
          204,
        )
        let answer = await verifyOn(b, key.secret)
        while (answer.valid && performance.now() - started < 5_000) {
          await new Promise((resolve) => setTimeout(resolve, 1))
          answer = await verifyOn(b, key.secret)
        }
        const elapsed = performance.now() - started
        figures.push(elapsed)
        expect(answer).toEqual({ valid: false, code: 'revoked' })
        expect(elapsed).toBeLessThan(1_000)
      }
      console.log(
        `revocation seen by the other instance after ${figures.map((ms) => ms.toFixed(1)).join(', ')} ms`,
      )
    })
  },
)
