// The one transaction helper. Each service call runs in exactly one transaction; effects that must
// only happen once it has committed (waking the mail dispatcher) are registered with afterCommit.
import type { Executor } from '../store/executor.ts'
import type { ServiceDependencies } from './dependencies.ts'

export interface Transaction {
  db: Executor
  /** One timestamp for everything the change writes. */
  now: Date
  afterCommit(effect: () => void): void
}

export async function inTransaction<T>(
  deps: Pick<ServiceDependencies, 'db' | 'clock'>,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const effects: (() => void)[] = []
  const now = deps.clock.now()
  const result = await deps.db
    .transaction()
    .execute((db) => work({ db, now, afterCommit: (effect) => effects.push(effect) }))
  for (const effect of effects) effect()
  return result
}
