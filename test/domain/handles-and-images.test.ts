import { describe, expect, it } from 'vitest'
import { checkHandle, handleFromName, withSuffix } from '../../src/domain/handles.ts'
import { inspectImage } from '../../src/domain/images.ts'
import { images } from '../helpers/images.ts'

describe('handles', () => {
  it.each([
    ['acme', undefined],
    ['acme-corp-2', undefined],
    ['a'.repeat(40), undefined],
    ['ab', 'format'],
    ['a'.repeat(41), 'format'],
    ['1acme', 'format'],
    ['-acme', 'format'],
    ['Acme', 'format'],
    ['acme_corp', 'format'],
    ['acmé', 'format'],
    ['admin', 'reserved'],
    ['api', 'reserved'],
    ['www', 'reserved'],
    ['settings', 'reserved'],
    ['new', 'reserved'],
    ['login', 'reserved'],
  ])('%j: %s', (handle, problem) => {
    expect(checkHandle(handle)).toBe(problem)
  })

  it.each([
    ['Acme Corp.', 'acme-corp'],
    ['  Ünïcödé   Café ', 'unicode-cafe'],
    ['42 Labs', 'org-42-labs'],
    ['X', 'x-org'],
    ['!!!', 'org'],
    ['A very long organization name that goes on and on', 'a-very-long-organization-name-that'],
  ])('derives %j → %j', (name, handle) => {
    expect(handleFromName(name)).toBe(handle)
    expect(checkHandle(handleFromName(name))).not.toBe('format')
  })

  it('adds a short suffix that keeps the handle valid', () => {
    for (const base of [
      'acme',
      'a'.repeat(35),
      handleFromName('A very long organization name that goes on'),
    ]) {
      const suffixed = withSuffix(base, 'a1b2')
      expect(suffixed).toMatch(/-a1b2$/)
      expect(checkHandle(suffixed)).toBeUndefined()
    }
  })
})

describe('logo images', () => {
  it.each([
    ['png', images.png(64, 48), { type: 'image/png', width: 64, height: 48 }],
    ['gif', images.gif(10, 20), { type: 'image/gif', width: 10, height: 20 }],
    ['jpeg', images.jpeg(300, 200), { type: 'image/jpeg', width: 300, height: 200 }],
    ['webp (VP8L)', images.webp(120, 90), { type: 'image/webp', width: 120, height: 90 }],
  ])('recognizes a %s by its bytes, with its dimensions', (_, bytes, info) => {
    expect(inspectImage(bytes)).toEqual(info)
  })

  it.each([
    ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')],
    ['HTML', Buffer.from('<!doctype html><img src=x onerror=alert(1)>')],
    ['nothing', Buffer.alloc(0)],
    ['a truncated PNG', images.png(10, 10).subarray(0, 12)],
    ['a PNG of zero width', images.png(0, 10)],
  ])('refuses %s', (_, bytes) => {
    expect(inspectImage(bytes)).toBeUndefined()
  })
})
