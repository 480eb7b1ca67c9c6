// Group commit for the busiest writes (creating an organization, inviting, accepting). While a
// group of one kind is being written, further calls of that kind wait; the next group takes every
// call waiting, and writes them in one transaction with set-based statements: one plan, a handful
// of round trips and one commit flush for the group, where each call alone paid them all. A call
// that finds nothing in flight is written at once, alone, by the same code as ever, so an idle
// server adds no wait. Each call of a group gets its own answer: its value, its own refusal (a
// DomainError), or "alone" — its row needs the single path's care (a handle taken, a second call
// for the same invitation), and it is written again by itself once the group has committed.
// Should a group's transaction fail as a whole (a deadlock, a row gone meanwhile), every call in
// it is written alone: nothing of the group was written, so each guarantee is the single path's.

/** What a group answers for one of its calls. */
export type GroupOutcome<O> = { value: O } | { error: unknown } | 'alone'

/** How calls of one kind are written: alone, and in a group (one outcome per input, in order). */
export interface GroupedWrite<I, O> {
  alone(input: I): Promise<O>
  together(inputs: readonly I[]): Promise<GroupOutcome<O>[]>
}

/** The answer a one-call group gave its call: its value, or its refusal thrown. */
export function answerOf<O>(outcome: GroupOutcome<O> | undefined): O {
  if (outcome === undefined || outcome === 'alone')
    throw new Error('a call written alone was left to be written alone')
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
  writing: boolean
  written: WrittenCounts
}

/** How the calls of one kind were written so far: groups of two or more, and calls in them or alone. */
export interface WrittenCounts {
  groups: number
  together: number
  alone: number
}

export class WriteGroups {
  readonly #lanes = new Map<string, Lane>()
  readonly #maxSize: number

  /**
   * One group of a kind is written at a time, of at most `maxSize` calls. Measured with 50
   * concurrent creations (compare.sh): one group at a time 1,379 creations/s, two 1,195, four
   * 695 — concurrent groups made smaller groups and cost PostgreSQL more per row, not less.
   */
  constructor(options: { maxSize?: number } = {}) {
    this.#maxSize = options.maxSize ?? 100
  }

  /** Writes `input` with the other calls of `kind` waiting with it; `write` must be the same for every call of a kind. */
  write<I, O>(kind: string, input: I, write: GroupedWrite<I, O>): Promise<O> {
    let lane = this.#lanes.get(kind)
    if (!lane) {
      lane = { waiting: [], writing: false, written: { groups: 0, together: 0, alone: 0 } }
      this.#lanes.set(kind, lane)
    }
    const current = lane
    return new Promise<O>((resolve, reject) => {
      current.waiting.push({ input, resolve, reject } as Waiting<unknown, unknown>)
      if (!current.writing) this.#next(current, write as GroupedWrite<unknown, unknown>)
    })
  }

  #next(lane: Lane, write: GroupedWrite<unknown, unknown>): void {
    const group = lane.waiting.splice(0, this.#maxSize)
    lane.writing = group.length > 0
    if (group.length === 0) return
    const written = group.length === 1 ? writeAlone(group, write) : writeTogether(group, write)
    void written
      .then((counts) => {
        lane.written.groups += group.length > 1 ? 1 : 0
        lane.written.together += group.length - counts
        lane.written.alone += counts
      })
      .finally(() => this.#next(lane, write))
  }

  /** How each kind's calls were written so far (the metrics' portico_grouped_writes_total). */
  counts(): Map<string, WrittenCounts> {
    return new Map([...this.#lanes].map(([kind, lane]) => [kind, { ...lane.written }]))
  }
}

/** Writes each call by itself; answers how many that was. */
async function writeAlone(group: Waiting<unknown, unknown>[], write: GroupedWrite<unknown, unknown>) {
  await Promise.all(group.map((call) => write.alone(call.input).then(call.resolve, call.reject)))
  return group.length
}

/** Writes the calls as one group, and those the group leaves alone by themselves; answers how many were. */
async function writeTogether(group: Waiting<unknown, unknown>[], write: GroupedWrite<unknown, unknown>) {
  let outcomes: GroupOutcome<unknown>[]
  try {
    outcomes = await write.together(group.map((call) => call.input))
  } catch {
    return writeAlone(group, write)
  }
  const alone: Waiting<unknown, unknown>[] = []
  group.forEach((call, index) => {
    const outcome = outcomes[index] ?? 'alone'
    if (outcome === 'alone') alone.push(call)
    else if ('value' in outcome) call.resolve(outcome.value)
    else call.reject(outcome.error)
  })
  return writeAlone(alone, write)
}
