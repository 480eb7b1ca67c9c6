// A transaction's BEGIN travels with its first statement, and its COMMIT right behind its closing
// statement, so neither costs a round trip of its own. Kysely waits for BEGIN's answer before it
// sends the first statement, and for the closing statement's answer before it sends COMMIT; under
// load each such wait is a round trip of about a millisecond (the database's process must be
// scheduled, then the server's event loop). The client here uses pg's `pipeline` mode (a query is
// written without waiting for the answers to those before it): it answers BEGIN at once and writes
// it just ahead of the next statement, together with any `SET LOCAL` issued in between (the
// transaction's own settings, e.g. prepared-statements.ts planStatementsOnce); and it writes
// COMMIT right behind a statement that starts with CLOSING_STATEMENT (services/transaction.ts
// closeChange, always a transaction's last), then answers Kysely's COMMIT with that COMMIT's
// own answer.
//
// What a transaction means does not change: PostgreSQL runs the messages in the order written.
// Should BEGIN fail, the statement behind it is answered with that failure. Should the closing
// statement fail, the transaction is aborted and the COMMIT behind it ends it (PostgreSQL answers
// ROLLBACK); Kysely then rolls back, which is answered at once. Should COMMIT itself fail (a
// deferred constraint), Kysely's commit is answered with that failure, as it would be without
// pipelining. A statement after the closing one is refused: the transaction has ended.
import type pg from 'pg'

/** Starts a transaction's closing statement: COMMIT is written right behind it. */
export const CLOSING_STATEMENT = '/* closes its transaction */'

const OPENING = /^\s*(begin|start transaction)\b/i
const SETTING = /^\s*set\s+local\s/i
const COMMITTING = /^\s*commit\s*;?\s*$/i
const ROLLING_BACK = /^\s*rollback\s*;?\s*$/i

type QueryResult = pg.QueryResult

function answered(command: string): QueryResult {
  return { command, rowCount: null, oid: 0, fields: [], rows: [] }
}

/** COMMIT or ROLLBACK, for a statement that ends a transaction; undefined for any other. */
function endingOf(text: string): 'COMMIT' | 'ROLLBACK' | undefined {
  if (COMMITTING.test(text)) return 'COMMIT'
  return ROLLING_BACK.test(text) ? 'ROLLBACK' : undefined
}

const rolledBack = () => answered('ROLLBACK')
const afterClosing = () =>
  Promise.reject(new Error('a statement was sent after the closing statement of its transaction'))

/** `Base` (a pg.Client) with BEGIN and COMMIT written alongside the statements next to them. */
export function pipeliningTransactions(Base: typeof pg.Client): typeof pg.Client {
  return class PipeliningClient extends Base {
    /** BEGIN (and SET LOCALs) answered and not yet written: it goes out with the next statement. */
    #opening: string | undefined
    /** Between BEGIN and the closing statement, COMMIT or ROLLBACK. */
    #inTransaction = false
    /** COMMIT written behind the closing statement: Kysely's COMMIT gets its answer. */
    #closing: Promise<QueryResult> | undefined

    constructor(config?: pg.ClientConfig) {
      super({ ...config, pipeline: true } as pg.ClientConfig)
    }

    // biome-ignore lint/suspicious/noExplicitAny: pg.Client's overloads, passed through unchanged
    override query(config: any, values?: any, callback?: any): any {
      if (typeof config !== 'string' || typeof callback === 'function' || typeof values === 'function') {
        return super.query(config, values, callback)
      }
      const bare = values === undefined || values.length === 0
      const ending = bare ? endingOf(config) : undefined
      if (this.#closing) {
        const closing = this.#closing
        this.#closing = undefined
        if (ending === 'COMMIT') return closing
        if (ending === 'ROLLBACK') return closing.then(rolledBack, rolledBack)
        return closing.then(afterClosing, afterClosing)
      }
      if (!this.#inTransaction && bare && OPENING.test(config)) {
        this.#inTransaction = true
        this.#opening = config
        return Promise.resolve(answered('BEGIN'))
      }
      if (ending) {
        this.#inTransaction = false
        if (this.#opening !== undefined) {
          // Nothing was written in it: nothing to end.
          this.#opening = undefined
          return Promise.resolve(answered(ending))
        }
        return super.query(config, values)
      }
      if (this.#opening !== undefined && bare && SETTING.test(config)) {
        this.#opening = `${this.#opening}; ${config}`
        return Promise.resolve(answered('SET'))
      }
      if (this.#opening !== undefined) {
        const opening = super.query(this.#opening) as Promise<unknown>
        this.#opening = undefined
        const statement = this.#statement(config, values)
        // The opening's failure is the statement's answer; either way both are handled here.
        opening.catch(() => {})
        statement.catch(() => {})
        return opening.then(() => statement)
      }
      return this.#statement(config, values)
    }

    #statement(text: string, values: unknown[] | undefined): Promise<QueryResult> {
      const answer = super.query(text, values) as Promise<QueryResult>
      if (this.#inTransaction && text.startsWith(CLOSING_STATEMENT)) {
        this.#inTransaction = false
        this.#closing = super.query('commit') as Promise<QueryResult>
        this.#closing.catch(() => {})
      }
      return answer
    }
  }
}
