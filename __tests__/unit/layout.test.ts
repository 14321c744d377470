/** Test files outside the level folders would match no vitest project and silently never run. */
import { readdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

describe('test layout', () => {
  it('keeps every test file in __tests__/unit, __tests__/emulator or __tests__/e2e', () => {
    const root = resolve(import.meta.dirname, '..')
    const stray = readdirSync(root, { recursive: true, encoding: 'utf8' })
      .map((path) => path.split('\\').join('/'))
      .filter((path) => path.endsWith('.test.ts') && !/^(unit|emulator|e2e)\//.test(path))
    expect(stray).toEqual([])
  })
})
