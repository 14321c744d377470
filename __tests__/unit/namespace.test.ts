/**
 * Repository-scoped ownership: the `namespace` input, the stored names built from it, and each
 * adapter's listing, which must leave another namespace's docs (same paths, same store) alone.
 */
import { describe, expect, it } from 'vitest'
import { keyInNamespace, namespaceProblem, normalizeNamespace, otherNamespaces, storedName } from '../../src/namespace.js'
import { LABEL_MANAGED_BY, LABEL_PATH, LABEL_REPO, LABEL_STATUS, MANAGED_BY, ownedKnowledge } from '../../src/vendors/castrel/adapter.js'
import { ownedByPath, ownedKey, remoteDocs } from '../../src/vendors/stackspot/objects.js'
import { ownedSources } from '../../src/vendors/telzino/adapter.js'
import { settingsFrom } from '../helpers/fixtures.js'

const NS = 'octo/docs'
const OTHER = 'octo/other'
const stackspotInputs = { vendor: 'stackspot', 'knowledge-base': 'ks', 'client-id': 'id', 'client-secret': 'secret', realm: 'r' }

describe('the namespace input', () => {
  it('defaults to empty (the repository, resolved per run) and trims slashes at both ends', () => {
    expect(settingsFrom(stackspotInputs).namespace).toBe('')
    expect(settingsFrom({ ...stackspotInputs, namespace: '/octo/old-name/' }).namespace).toBe('octo/old-name')
    expect(normalizeNamespace(' team/handbook ')).toBe('team/handbook')
  })

  it('refuses "..", ".", empty parts, backslashes and control characters, naming the input and the fix', () => {
    for (const bad of ['../x', 'a/../b', 'a/./b', 'a//b', 'a\\b', 'a\u0007b', '///']) {
      const problem = namespaceProblem(bad)
      expect(problem, bad).toMatch(/^`namespace` /)
      expect(problem).toMatch(/leave it empty for the repository/)
    }
    expect(() => settingsFrom({ ...stackspotInputs, namespace: 'a/../b' })).toThrow(/`namespace` must not contain "\.\."/)
    for (const good of ['', 'octo/docs', 'team', 'my org/docs v2', '/octo/docs/']) expect(namespaceProblem(good), good).toBeUndefined()
  })
})

describe('stored names', () => {
  it('are <namespace>/<key>, and only names under our namespace give back a key', () => {
    expect(storedName(NS, 'docs/a.md')).toBe('octo/docs/docs/a.md')
    expect(keyInNamespace(NS, 'octo/docs/docs/a.md')).toBe('docs/a.md')
    // A server that echoes the file path back with a leading slash.
    expect(keyInNamespace(NS, '/octo/docs/docs/a.md')).toBe('docs/a.md')
    for (const foreign of ['octo/other/docs/a.md', 'docs/a.md', 'octo/docs-old/docs/a.md', 'octo/docs/', 'octo/docs']) {
      expect(keyInNamespace(NS, foreign), foreign).toBeUndefined()
    }
  })

  it('find the other namespaces holding our keys (a renamed repository), and docs written before namespaces', () => {
    const stored = [
      'octo/docs/docs/a.md',
      'octo/old-name/docs/a.md',
      'octo/old-name/docs/b.md',
      'deep/team/ns/docs/b.md',
      'docs/a.md',
      'octo/unrelated/docs/z.md'
    ]
    expect(otherNamespaces(NS, stored, ['docs/a.md', 'docs/b.md'])).toEqual(['', 'deep/team/ns', 'octo/old-name'])
    expect(otherNamespaces(NS, ['octo/docs/docs/a.md'], ['docs/a.md'])).toEqual([])
  })
})

describe('StackSpot listing', () => {
  const object = (id: string, file_path: string | null, standalone = false) => ({ id, file_path, checksum: `sum-${id}`, standalone, created_at: null })

  it("owns only non-standalone objects under its namespace: another repository's same path is not ours", () => {
    const objects = [
      object('mine', 'octo/docs/docs/index.md'),
      object('theirs', 'octo/other/docs/index.md'),
      object('legacy', 'docs/index.md'),
      object('manual', 'octo/docs/docs/manual.md', true),
      object('echoed', '/octo/docs/docs/guide.md'),
      object('no-path', null)
    ]
    expect(remoteDocs(objects, NS).map((d) => [d.key, d.ids])).toEqual([
      ['docs/index.md', ['mine']],
      ['docs/guide.md', ['echoed']]
    ])
    expect(remoteDocs(objects, OTHER).map((d) => [d.key, d.ids])).toEqual([['docs/index.md', ['theirs']]])
    expect(ownedKey(objects[1]!, NS)).toBeUndefined()
    expect([...ownedByPath(objects, NS).keys()]).toEqual(['docs/index.md', 'docs/guide.md'])
  })
})

describe('Telzino listing', () => {
  it('owns the file sources named <namespace>/<key> only', () => {
    const sources = [
      { id: 's1', name: 'octo/docs/docs/index.md', source_type: 'file' },
      { id: 's2', name: 'octo/other/docs/index.md', source_type: 'file' },
      { id: 's3', name: 'index.md', source_type: 'file' },
      { id: 's4', name: 'octo/docs/docs/url.md', source_type: 'url' },
      { id: 's5', name: 'octo/docs/docs/index.md', source_type: 'file' }
    ]
    expect(ownedSources(sources, NS)).toEqual([{ key: 'docs/index.md', ids: ['s1', 's5'] }])
    expect(ownedSources(sources, OTHER)).toEqual([{ key: 'docs/index.md', ids: ['s2'] }])
  })
})

describe('Castrel listing', () => {
  const entry = (id: number, repo: string, path: string, status = 'active', managedBy = MANAGED_BY) => ({
    id,
    name: path,
    labels: { [LABEL_MANAGED_BY]: managedBy, [LABEL_REPO]: repo, [LABEL_PATH]: path, [LABEL_STATUS]: status },
    metadata: { sha256: `h${id}` }
  })

  it("owns live entries whose repo label is its namespace; another namespace's same path is not ours", () => {
    const items = [
      entry(1, NS, 'docs/index.md'),
      entry(2, OTHER, 'docs/index.md'),
      entry(3, NS, 'docs/gone.md', 'removed'),
      entry(4, NS, 'docs/x.md', 'active', 'someone')
    ]
    expect(ownedKnowledge(items, NS).map((d) => [d.key, d.ids, d.digest])).toEqual([['docs/index.md', ['1'], 'h1']])
    expect(ownedKnowledge(items, OTHER).map((d) => [d.key, d.ids])).toEqual([['docs/index.md', ['2']]])
  })
})
