/**
 * No import cycle anywhere in the action or the emulator, type-only imports included: a cycle
 * makes module load order matter (a class used before its module finished loading) and is the
 * first sign that two modules have grown into one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '..', '..')
// `import … from './x.js'`, `export … from './x.js'`, `import('./x.js')`, over several lines too.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(ts|mts|js|mjs)$/.test(name) ? [path] : []
  })
}

/** The file a relative specifier names: sources import `./x.js` for `./x.ts`. */
function resolveImport(from: string, specifier: string, known: Set<string>): string | undefined {
  const base = resolve(dirname(from), specifier)
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, join(base, 'index.ts')]) {
    if (known.has(candidate)) return candidate
  }
  return undefined
}

function findCycles(files: readonly string[]): string[][] {
  const known = new Set(files)
  const edges = new Map<string, string[]>()
  for (const file of files) {
    const targets = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => resolveImport(file, m[1]!, known)).filter((t): t is string => t !== undefined)
    edges.set(file, [...new Set(targets)])
  }
  const cycles: string[][] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (file: string) => {
    state.set(file, 'visiting')
    stack.push(file)
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next])
      else if (!state.has(next)) visit(next)
    }
    stack.pop()
    state.set(file, 'done')
  }
  for (const file of files) if (!state.has(file)) visit(file)
  return cycles.map((c) => c.map((f) => relative(root, f)))
}

describe('module graph', () => {
  it('has no import cycle in src/ or emulator/ (type-only imports count)', () => {
    const files = [...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'emulator'))]
    expect(files.length).toBeGreaterThan(50)
    expect(findCycles(files)).toEqual([])
  })

  it('finds a cycle when there is one', () => {
    // The detector itself must be able to fail: the type-only cycle that src/shared-settings.ts broke.
    const fixture = join(root, '__tests__', 'helpers', 'cycle-fixture')
    expect(findCycles(sourceFiles(fixture))).toEqual([
      ['__tests__/helpers/cycle-fixture/a.ts', '__tests__/helpers/cycle-fixture/b.ts', '__tests__/helpers/cycle-fixture/a.ts']
    ])
  })
})
