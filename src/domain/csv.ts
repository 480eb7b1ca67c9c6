// CSV cells for spreadsheets: RFC 4180 quoting, and the OWASP defence against CSV (formula)
// injection. A spreadsheet opening the audit export runs a cell that begins with = + - @ (or a tab
// or carriage return before one of them) as a formula: "=HYPERLINK(…)" as a person's name would
// become a link that leaks data. Such a cell gets a leading ' so it stays text; the NDJSON export
// keeps every value exactly.

/** The characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/

/** One field: null is empty; a formula start is defused with '; quoted when it holds , " CR or LF. */
export function csvField(value: string | number | null): string {
  if (value === null) return ''
  if (typeof value === 'number') return String(value)
  const text = FORMULA_START.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** One record, CRLF-terminated (RFC 4180). */
export function csvRecord(values: readonly (string | number | null)[]): string {
  return `${values.map(csvField).join(',')}\r\n`
}
