/** Vendor ids are checked before they go into a URL path; unusable ones are reported and left alone. */
import { describe, expect, it } from 'vitest'
import { memoryLog } from '../../src/log.js'
import { pathSegment, unsafeSegment, withSafeIds } from '../../src/path-segment.js'

describe('pathSegment', () => {
  it('refuses ids that would change the path, and encodes the rest', () => {
    for (const id of ['', '.', '..', 'a/b', 'a\\b', 'a?b', 'a#b', 'a\nb', 'a\u0000b', 'a\u007fb']) {
      expect(unsafeSegment(id), JSON.stringify(id)).toBeDefined()
      expect(() => pathSegment(id, 'object id')).toThrow(/^The object id .* returned by the vendor cannot be used in a URL/)
    }
    expect(pathSegment('01HABC')).toBe('01HABC')
    expect(pathSegment('a b%ü')).toBe('a%20b%25%C3%BC')
    expect(pathSegment('...')).toBe('...')
    // A URL built with it stays where it was meant to be.
    expect(new URL(`https://api.example/v1/ks/docs/objects/${pathSegment('x..y')}`).pathname).toBe('/v1/ks/docs/objects/x..y')
  })

  it('leaves unusable ids out of a listing and warns once per id', () => {
    const log = memoryLog()
    const reported = new Set<string>()
    const items = [{ id: 'ok' }, { id: '..' }, { id: 'a/b' }]
    const describe = (i: { id: string }) => `the object ${i.id}`
    expect(withSafeIds(items, (i) => i.id, describe, log, reported)).toEqual([{ id: 'ok' }])
    expect(withSafeIds(items, (i) => i.id, describe, log, reported)).toEqual([{ id: 'ok' }])
    expect(log.lines.filter((l) => l.startsWith('warning:'))).toHaveLength(2)
    expect(log.lines[0]).toMatch(/Left alone the object \.\. with the id "\.\.": .*Nothing is changed or deleted/)
  })
})
