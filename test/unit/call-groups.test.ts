// Group commit's scheduling (services/call-groups.ts): who is written alone, who together, what
// each call is answered, and what happens when a group fails. The writes here are functions that
// record what they were asked; the HTTP tests (organization-creation-groups) write real rows.
import { describe, expect, it } from 'vitest'
import { CallGroups, type GroupedCall, type GroupOutcome } from '../../src/services/call-groups.ts'

/** A write whose alone and together calls are recorded, and held until `release` is called. */
function heldWrite(answer: (input: number) => GroupOutcome<string> = (input) => ({ value: `v${input}` })) {
  const log: string[] = []
  let releases: (() => void)[] = []
  const held = () => new Promise<void>((resolve) => releases.push(resolve))
  const write: GroupedCall<number, string> = {
    async alone(input) {
      log.push(`alone ${input}`)
      await held()
      const outcome = answer(input)
      if (outcome === 'alone' || 'error' in outcome) throw new Error(`refused ${input}`)
      return outcome.value
    },
    async together(inputs) {
      log.push(`together ${inputs.join(',')}`)
      await held()
      return inputs.map(answer)
    },
  }
  const release = async () => {
    const now = releases
    releases = []
    for (const resolve of now) resolve()
    // let the answers and the next group's start run
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
  }
  return { write, log, release }
}

const settle = (promises: Promise<string>[]) =>
  Promise.allSettled(promises).then((results) =>
    results.map((result) =>
      result.status === 'fulfilled' ? result.value : (result.reason as Error).message,
    ),
  )

describe('write groups', () => {
  it('writes a call alone, at once, when nothing of its kind is being written', async () => {
    const groups = new CallGroups()
    const { write, log, release } = heldWrite()
    const answer = groups.run('k', 1, write)
    expect(log).toEqual(['alone 1'])
    await release()
    expect(await answer).toBe('v1')
    expect(groups.counts().get('k')).toEqual({ groups: 0, together: 0, alone: 1 })
  })

  it('writes the calls that waited meanwhile as one group, each answered with its own value', async () => {
    const groups = new CallGroups()
    const { write, log, release } = heldWrite()
    const answers = [1, 2, 3, 4].map((input) => groups.run('k', input, write))
    expect(log).toEqual(['alone 1'])
    await release()
    expect(log).toEqual(['alone 1', 'together 2,3,4'])
    await release()
    expect(await settle(answers)).toEqual(['v1', 'v2', 'v3', 'v4'])
    expect(groups.counts().get('k')).toEqual({ groups: 1, together: 3, alone: 1 })
  })

  it("answers a refused call with its own refusal and writes a call the group left 'alone' by itself afterwards", async () => {
    const groups = new CallGroups()
    const { write, log, release } = heldWrite((input) =>
      input === 3 ? { error: new Error('refused 3') } : input === 4 ? 'alone' : { value: `v${input}` },
    )
    const answers = settle([1, 2, 3, 4, 5].map((input) => groups.run('k', input, write)))
    await release()
    await release()
    expect(log).toEqual(['alone 1', 'together 2,3,4,5', 'alone 4'])
    await release()
    // alone, 4 is refused by the single path's own answer
    expect(await answers).toEqual(['v1', 'v2', 'refused 3', 'refused 4', 'v5'])
    expect(groups.counts().get('k')).toEqual({ groups: 1, together: 3, alone: 2 })
  })

  it('writes every call of a group alone when the group fails as a whole', async () => {
    const groups = new CallGroups()
    const log: string[] = []
    let releaseFirst = () => {}
    const write: GroupedCall<number, string> = {
      alone: (input) => {
        log.push(`alone ${input}`)
        if (input !== 1) return Promise.resolve(`v${input}`)
        return new Promise<string>((resolve) => {
          releaseFirst = () => resolve(`v${input}`)
        })
      },
      together: async (inputs) => {
        log.push(`together ${inputs.join(',')}`)
        throw new Error('deadlock detected')
      },
    }
    const answers = settle([1, 2, 3].map((input) => groups.run('k', input, write)))
    releaseFirst()
    expect(await answers).toEqual(['v1', 'v2', 'v3'])
    expect(log).toEqual(['alone 1', 'together 2,3', 'alone 2', 'alone 3'])
  })

  it('keeps kinds apart: a call of another kind is not held behind a group', async () => {
    const groups = new CallGroups()
    const a = heldWrite()
    const b = heldWrite()
    const first = groups.run('a', 1, a.write)
    const other = groups.run('b', 2, b.write)
    expect(b.log).toEqual(['alone 2'])
    await b.release()
    expect(await other).toBe('v2')
    await a.release()
    expect(await first).toBe('v1')
  })

  it('takes at most maxSize calls into one group', async () => {
    const groups = new CallGroups({ maxSize: 2 })
    const { write, log, release } = heldWrite()
    const answers = [1, 2, 3, 4, 5].map((input) => groups.run('k', input, write))
    await release()
    await release()
    await release()
    expect(log).toEqual(['alone 1', 'together 2,3', 'together 4,5'])
    expect(await settle(answers)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5'])
  })
})
