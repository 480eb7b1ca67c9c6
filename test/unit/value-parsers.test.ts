// The driver's value parsers (store/value-parsers.ts): the shapes PostgreSQL writes for Portico's
// timestamps and role arrays are read directly, and whatever they read equals what pg's own
// parsers read; everything else is left to pg's.
import fc from 'fast-check'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { plainTextArrayOf, utcTimestampOf, valueParsers } from '../../src/store/value-parsers.ts'

const pgTimestamp = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text')
const pgTextArray = pg.types.getTypeParser(1009 as typeof pg.types.builtins.TIMESTAMPTZ, 'text')

/** A timestamp as PostgreSQL writes it in UTC: trailing zeros of the fraction dropped. */
function written(date: Date, micros: number): string {
  const iso = date.toISOString() // YYYY-MM-DDTHH:MM:SS.mmmZ
  const fraction = `${iso.slice(20, 23)}${String(micros).padStart(3, '0')}`.replace(/0+$/, '')
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00`
}

const dates = fc.date({
  min: new Date('1000-01-01T00:00:00Z'),
  max: new Date('9999-12-31T23:59:59Z'),
  noInvalidDate: true,
})

describe('timestamps', () => {
  it('reads what PostgreSQL writes in UTC directly, to the millisecond pg reads', () => {
    fc.assert(
      fc.property(dates, fc.integer({ min: 0, max: 999 }), (date, micros) => {
        const text = written(date, micros)
        const read = utcTimestampOf(text)
        expect(read?.getTime()).toBe(date.getTime())
        expect(read?.getTime()).toBe((pgTimestamp(text) as Date).getTime())
      }),
    )
  })

  it('reads a few written values exactly', () => {
    expect(utcTimestampOf('2026-12-01 02:54:45.29301+00')?.toISOString()).toBe('2026-12-01T02:54:45.293Z')
    expect(utcTimestampOf('2026-12-01 02:54:45+00')?.toISOString()).toBe('2026-12-01T02:54:45.000Z')
    expect(utcTimestampOf('2026-12-01 02:54:45.5+00')?.toISOString()).toBe('2026-12-01T02:54:45.500Z')
    expect(utcTimestampOf('2026-02-28 23:59:59.999999+00')?.toISOString()).toBe('2026-02-28T23:59:59.999Z')
  })

  it('leaves every other shape to pg: another zone, infinity, BC, an early year, a malformed value', () => {
    for (const text of [
      '2026-12-01 02:54:45.293+01',
      '2026-12-01 02:54:45+05:30',
      'infinity',
      '-infinity',
      '0044-03-15 12:00:00+00 BC',
      '0099-01-01 00:00:00+00',
      '2026-12-01T02:54:45+00',
      '2026-12-01 02:54:45.+00',
      '2026-12-01 02:54:4x+00',
      '2026-12-01 02:54:45.1234567+00',
      '12026-12-01 02:54:45+00',
    ]) {
      expect(utcTimestampOf(text), text).toBeUndefined()
    }
  })

  it('reads as pg does wherever it reads at all (any text)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .tuple(dates, fc.integer({ min: 0, max: 999 }), fc.string({ maxLength: 3 }))
            .map(([date, micros, noise]) => written(date, micros).replace('+00', noise)),
        ),
        (text) => {
          const read = utcTimestampOf(text)
          if (read !== undefined) expect(read.getTime()).toBe((pgTimestamp(text) as Date).getTime())
        },
      ),
    )
  })
})

describe('text arrays', () => {
  it('reads arrays of unquoted elements directly, as pg reads them', () => {
    const word = fc.stringMatching(/^[a-z0-9:_.-]{1,12}$/).filter((value) => value.toLowerCase() !== 'null')
    fc.assert(
      fc.property(fc.array(fc.option(word, { nil: null })), (elements) => {
        const text = `{${elements.map((element) => element ?? 'NULL').join(',')}}`
        expect(plainTextArrayOf(text)).toEqual(elements)
        expect(plainTextArrayOf(text)).toEqual(pgTextArray(text))
      }),
    )
  })

  it('leaves quoted, escaped and nested arrays to pg', () => {
    for (const text of [
      '{"a b",c}',
      '{"",x}',
      '{a\\,b}',
      '{{a,b},{c,d}}',
      '{,}',
      '{a,,b}',
      '{ a}',
      'not an array',
      '',
    ]) {
      expect(plainTextArrayOf(text), text).toBeUndefined()
    }
  })

  it('reads as pg does wherever it reads at all (any text)', () => {
    fc.assert(
      fc.property(
        fc
          .string({ unit: fc.constantFrom('a', 'b', ',', '"', '\\', '{', '}', ' ', 'N', 'U', 'L') })
          .map((inner) => `{${inner}}`),
        (text) => {
          const read = plainTextArrayOf(text)
          if (read !== undefined) expect(read).toEqual(pgTextArray(text))
        },
      ),
      { numRuns: 5000 },
    )
  })
})

describe('the parsers pg is given', () => {
  it('serve timestamps and text arrays here, with pg’s as the fallback, and every other type as pg does', () => {
    const timestamp = valueParsers.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text')
    expect(timestamp('2026-12-01 02:54:45.293+00')).toEqual(new Date('2026-12-01T02:54:45.293Z'))
    expect(timestamp('2026-12-01 03:54:45.293+01')).toEqual(new Date('2026-12-01T02:54:45.293Z'))
    expect(timestamp('infinity')).toBe(Number.POSITIVE_INFINITY)
    const textArray = valueParsers.getTypeParser(1009, 'text')
    expect(textArray('{owner,admin}')).toEqual(['owner', 'admin'])
    expect(textArray('{"a b",NULL,c}')).toEqual(['a b', null, 'c'])
    expect(valueParsers.getTypeParser(pg.types.builtins.INT8, 'text')).toBe(
      pg.types.getTypeParser(pg.types.builtins.INT8, 'text'),
    )
  })
})
