// What the command line prints and how it ends: tables for people, JSON with --json for scripts,
// and the exit codes scripts can rely on (docs/cli.md).
import { PorticoError } from '../../packages/sdk/src/index.ts'

export const EXIT = {
  ok: 0,
  /** The server (or the database) refused, or the work failed. */
  failed: 1,
  /** The command was used wrongly: unknown command or option, a missing or malformed argument. */
  usage: 2,
  /** No session is stored, or the server no longer accepts it. */
  notSignedIn: 3,
  /** Portico or its database cannot be reached, or the configuration is invalid. */
  unreachable: 4,
} as const

export class UsageError extends Error {}
export class NotSignedInError extends Error {}
export class UnreachableError extends Error {}

export type Column<T> = [title: string, value: (row: T) => unknown]

function cell(value: unknown): string {
  if (value === null || value === undefined) return '–'
  if (Array.isArray(value)) return value.join(', ')
  return String(value)
}

/** Rows as a table with a header, columns as wide as their widest cell. */
export function table<T>(rows: T[], columns: Column<T>[]): string {
  const cells = [
    columns.map(([title]) => title),
    ...rows.map((row) => columns.map(([, value]) => cell(value(row)))),
  ]
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => line[index]?.length ?? 0)))
  return cells
    .map((line) =>
      line
        .map((text, index) => (index === line.length - 1 ? text : text.padEnd(widths[index] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

export interface Printer {
  json: boolean
  /** A list: a table, or a JSON array. */
  list<T>(rows: T[], columns: Column<T>[]): void
  /** One thing: a table of one row, or a JSON object. */
  one<T>(row: T, columns: Column<T>[]): void
  /** A sentence for people; with --json, `data` instead (nothing when it has none). */
  done(sentence: string, data?: unknown): void
}

export function printer(json: boolean): Printer {
  const out = (text: string) => process.stdout.write(`${text}\n`)
  return {
    json,
    list: (rows, columns) => out(json ? JSON.stringify(rows, null, 2) : table(rows, columns)),
    one: (row, columns) => out(json ? JSON.stringify(row, null, 2) : table([row], columns)),
    done: (sentence, data) => {
      if (!json) out(sentence)
      else if (data !== undefined) out(JSON.stringify(data, null, 2))
    },
  }
}

/** The exit code of an error, and the line that says it on stderr. */
export function failureOf(error: unknown): { code: number; message: string } {
  if (error instanceof UsageError) return { code: EXIT.usage, message: error.message }
  if (error instanceof NotSignedInError) return { code: EXIT.notSignedIn, message: error.message }
  if (error instanceof UnreachableError) return { code: EXIT.unreachable, message: error.message }
  if (error instanceof PorticoError) {
    const detail = `${error.detail} (${error.status} ${error.code}${error.permission ? `: ${error.permission}` : ''})`
    const fields = error.errors.map((field) => `\n  ${field.in} ${field.path}: ${field.message}`).join('')
    if (error.status === 401) {
      return { code: EXIT.notSignedIn, message: `${detail}: sign in again with \`portico login\`` }
    }
    return { code: EXIT.failed, message: `${detail}${fields}` }
  }
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = (error as { cause?: { message?: string } }).cause?.message
    return { code: EXIT.unreachable, message: `cannot reach Portico${cause ? `: ${cause}` : ''}` }
  }
  return { code: EXIT.failed, message: error instanceof Error ? error.message : String(error) }
}
