// Group commit for the busiest writes (creating an organization, inviting, accepting, recording a
// sent mail), and the same for the one read a request cannot answer from memory (a session's first
// request). While a group of one kind is in flight, further calls of that kind wait; the next group
// takes every call waiting, and runs them in one transaction with set-based statements: one plan,
// a handful of round trips and one commit flush for the group, where each call alone paid them
// all. A call that finds nothing in flight runs at once, alone, by the same code as ever, so an
// idle server adds no wait. Each call of a group gets its own answer: its value, its own refusal
// (a DomainError), or "alone" — it needs the single path's care (a handle taken, a second call for
// the same invitation), and it runs again by itself once the group has committed. Should a
// group's transaction fail as a whole (a deadlock, a row gone meanwhile), every call in it runs
// alone: nothing of the group was written, so each guarantee is the single path's.

/** What a group answers for one of its calls. */
export type GroupOutcome<O> = { value: O } | { error: unknown } | 'alone'

/** How calls of one kind run: alone, and in a group (one outcome per input, in order). */
export interface GroupedCall<I, O> {
  alone(input: I): Promise<O>
  together(inputs: readonly I[]): Promise<GroupOutcome<O>[]>
}

/** The answer a one-call group gave its call: its value, or its refusal thrown. */
export function answerOf<O>(outcome: GroupOutcome<O> | undefined): O {
  if (outcome === undefined || outcome === 'alone') throw new Error('a call run alone was left to run alone')
  if ('error' in outcome) throw outcome.error
  return outcome.value
}

interface Waiting<I, O> {
  input: I
  resolve(value: O): void
  reject(error: unknown): void
}

interface Lane {
  waiting: Waiting<unknown, unknown>[]
  running: boolean
  counts: GroupCounts
}

/** How the calls of one kind ran so far: groups of two or more, and calls in them or alone. */
export interface GroupCounts {
  groups: number
  together: number
  alone: number
}

export class CallGroups {
  readonly #lanes = new Map<string, Lane>()
  readonly #maxSize: number

  /**
   * One group of a kind runs at a time, of at most `maxSize` calls. Measured with 50
   * concurrent creations (compare.sh): one group at a time 1,379 creations/s, two 1,195, four
   * 695 — concurrent groups made smaller groups and cost PostgreSQL more per row, not less.
   */
  constructor(options: { maxSize?: number } = {}) {
    this.#maxSize = options.maxSize ?? 100
  }

  /** Runs `input` with the other calls of `kind` waiting with it; `call` must be the same for every call of a kind. */
  run<I, O>(kind: string, input: I, call: GroupedCall<I, O>): Promise<O> {
    let lane = this.#lanes.get(kind)
    if (!lane) {
      lane = { waiting: [], running: false, counts: { groups: 0, together: 0, alone: 0 } }
      this.#lanes.set(kind, lane)
    }
    const current = lane
    return new Promise<O>((resolve, reject) => {
      current.waiting.push({ input, resolve, reject } as Waiting<unknown, unknown>)
      if (!current.running) this.#next(current, call as GroupedCall<unknown, unknown>)
    })
  }

  #next(lane: Lane, grouped: GroupedCall<unknown, unknown>): void {
    const group = lane.waiting.splice(0, this.#maxSize)
    lane.running = group.length > 0
    if (group.length === 0) return
    const done = group.length === 1 ? runAlone(group, grouped) : runTogether(group, grouped)
    void done
      .then((counts) => {
        lane.counts.groups += group.length > 1 ? 1 : 0
        lane.counts.together += group.length - counts
        lane.counts.alone += counts
      })
      .finally(() => this.#next(lane, grouped))
  }

  /** How each kind's calls ran so far (the metrics' portico_grouped_calls_total). */
  counts(): Map<string, GroupCounts> {
    return new Map([...this.#lanes].map(([kind, lane]) => [kind, { ...lane.counts }]))
  }
}

/** Runs each call by itself; answers how many that was. */
async function runAlone(group: Waiting<unknown, unknown>[], grouped: GroupedCall<unknown, unknown>) {
  await Promise.all(group.map((call) => grouped.alone(call.input).then(call.resolve, call.reject)))
  return group.length
}

/** Runs the calls as one group, and those the group leaves alone by themselves; answers how many were. */
async function runTogether(group: Waiting<unknown, unknown>[], grouped: GroupedCall<unknown, unknown>) {
  let outcomes: GroupOutcome<unknown>[]
  try {
    outcomes = await grouped.together(group.map((call) => call.input))
  } catch {
    return runAlone(group, grouped)
  }
  const alone: Waiting<unknown, unknown>[] = []
  group.forEach((call, index) => {
    const outcome = outcomes[index] ?? 'alone'
    if (outcome === 'alone') alone.push(call)
    else if ('value' in outcome) call.resolve(outcome.value)
    else call.reject(outcome.error)
  })
  return runAlone(alone, grouped)
}
