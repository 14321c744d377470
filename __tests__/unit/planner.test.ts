import { describe, expect, it } from 'vitest'
import type { ChangeSet } from '../../src/changes/types.js'
import { pathMatcher } from '../../src/docs/collect.js'
import { digestMatches, planSync, type PlanInput } from '../../src/planner.js'
import { localDoc, remoteDoc } from '../helpers/fixtures.js'

const full: ChangeSet = { kind: 'full', reason: 'workflow_dispatch' }

function plan(over: Partial<PlanInput>) {
  return planSync({
    changes: full,
    docs: [],
    skipped: [],
    missing: [],
    remote: [],
    matches: pathMatcher(['docs/**/*.md']),
    remotePrefix: '',
    onRemoved: 'delete',
    isUnchanged: digestMatches,
    ...over
  }).map((i) => `${i.action} ${i.path}: ${i.reason}`)
}

describe('planSync, full reconcile', () => {
  it('uploads new docs, replaces changed ones, skips unchanged ones and deletes removed ones', () => {
    expect(
      plan({
        docs: [localDoc('docs/new.md'), localDoc('docs/changed.md', 'v2'), localDoc('docs/same.md')],
        remote: [remoteDoc('docs/changed.md', 'v1'), remoteDoc('docs/same.md'), remoteDoc('docs/gone.md')]
      })
    ).toEqual([
      'replace docs/changed.md: content changed',
      'delete docs/gone.md: no longer in the repository',
      'upload docs/new.md: new in the store',
      'unchanged docs/same.md: same content in the store'
    ])
  })

  it('never deletes store docs outside its globs or its remote prefix (another folder or repository)', () => {
    expect(
      plan({
        docs: [localDoc('docs/a.md', 'a', 'repo-a/')],
        remote: [remoteDoc('repo-a/docs/a.md', 'a'), remoteDoc('repo-b/docs/b.md'), remoteDoc('handbook/x.md'), remoteDoc('repo-a/handbook/y.md')],
        remotePrefix: 'repo-a/'
      })
    ).toEqual(['unchanged docs/a.md: same content in the store'])
  })

  it('keeps removed docs when on-removed is report', () => {
    expect(plan({ remote: [remoteDoc('docs/gone.md')], onRemoved: 'report' })).toEqual([
      'keep docs/gone.md: no longer in the repository; kept because on-removed is report'
    ])
  })

  it('leaves the store copy of a skipped file alone', () => {
    expect(plan({ skipped: [{ path: 'docs/link.md', reason: 'is a symbolic link' }], remote: [remoteDoc('docs/link.md')] })).toEqual([
      'skip docs/link.md: is a symbolic link'
    ])
  })

  it('removes the store copy of a doc that holds nothing the vendor can keep any more (emptied), as on-removed says', () => {
    const skipped = [
      { path: 'docs/emptied.md', reason: 'empty file: nothing to turn into entries', noContent: true },
      { path: 'docs/never-held.md', reason: 'has no text to turn into entries (only front matter or blank lines)', noContent: true }
    ]
    const remote = [remoteDoc('docs/emptied.md')]
    expect(plan({ skipped, remote })).toEqual([
      'delete docs/emptied.md: empty file: nothing to turn into entries; its earlier copy is no longer content',
      'skip docs/never-held.md: has no text to turn into entries (only front matter or blank lines)'
    ])
    expect(plan({ skipped, remote, changes: { kind: 'diff', changes: [], source: 'push' }, onRemoved: 'report' })).toEqual([
      'keep docs/emptied.md: empty file: nothing to turn into entries; its earlier copy is no longer content; kept because on-removed is report',
      'skip docs/never-held.md: has no text to turn into entries (only front matter or blank lines)'
    ])
  })
})

describe('planSync, diff', () => {
  const diff = (changes: Extract<ChangeSet, { kind: 'diff' }>['changes']): ChangeSet => ({ kind: 'diff', changes, source: 'push' })

  it('turns a rename into an upload of the new path and a deletion of the old one', () => {
    expect(
      plan({
        changes: diff([{ path: 'docs/new-name.md', status: 'renamed', previousPath: 'docs/old-name.md' }]),
        docs: [localDoc('docs/new-name.md', 'x')],
        missing: ['docs/old-name.md'],
        remote: [remoteDoc('docs/old-name.md', 'x')]
      })
    ).toEqual(['upload docs/new-name.md: new in the store (renamed from docs/old-name.md)', 'delete docs/old-name.md: renamed to docs/new-name.md'])
  })

  it('only touches the docs the event changed, and ignores deleted files the store never had', () => {
    expect(
      plan({
        changes: diff([
          { path: 'docs/a.md', status: 'modified' },
          { path: 'docs/b.md', status: 'removed' },
          { path: 'docs/never.md', status: 'removed' }
        ]),
        docs: [localDoc('docs/a.md', 'new')],
        missing: ['docs/b.md', 'docs/never.md'],
        remote: [remoteDoc('docs/a.md', 'old'), remoteDoc('docs/b.md'), remoteDoc('docs/untouched.md')]
      })
    ).toEqual(['replace docs/a.md: content changed', 'delete docs/b.md: deleted from the repository'])
  })

  it('uploads a modified doc the store lost, and skips one it already has', () => {
    expect(
      plan({
        changes: diff([
          { path: 'docs/lost.md', status: 'modified' },
          { path: 'docs/same.md', status: 'modified' }
        ]),
        docs: [localDoc('docs/lost.md'), localDoc('docs/same.md')],
        remote: [remoteDoc('docs/same.md')]
      })
    ).toEqual(['upload docs/lost.md: new in the store', 'unchanged docs/same.md: same content in the store'])
  })
})

describe('digestMatches', () => {
  it('accepts the store digest in any of the algorithms we compute, case-insensitively', () => {
    const d = localDoc('docs/a.md', 'a')
    expect(digestMatches(d, { key: 'docs/a.md', ids: [], digest: 'MD5:A' })).toBe(true)
    expect(digestMatches(d, { key: 'docs/a.md', ids: [], digest: 'sha1:a' })).toBe(true)
    expect(digestMatches(d, { key: 'docs/a.md', ids: [], digest: 'sha256:b' })).toBe(false)
    expect(digestMatches(d, { key: 'docs/a.md', ids: [] })).toBe(false)
  })
})

describe('pathMatcher', () => {
  it('later patterns win, ! excludes, nested dirs match; dotfiles only when the pattern names the dot, .git never', () => {
    const m = pathMatcher(['docs/**/*.md', '!docs/drafts/**', 'docs/drafts/keep.md', 'handbook', '.github/*.md', './guides/**', '.git/**'])
    expect(m('docs/a.md')).toBe(true)
    expect(m('docs/x/y/z.md')).toBe(true)
    expect(m('docs/.hidden/a.md')).toBe(false)
    expect(m('docs/.a.md')).toBe(false)
    expect(m('handbook/.env')).toBe(false)
    expect(m('.github/PULL_REQUEST_TEMPLATE.md')).toBe(true)
    expect(m('guides/a.md')).toBe(true)
    expect(m('.git/config')).toBe(false)
    expect(m('handbook/sub/.git/config')).toBe(false)
    expect(m('docs/drafts/wip.md')).toBe(false)
    expect(m('docs/drafts/keep.md')).toBe(true)
    expect(m('handbook/deep/file.txt')).toBe(true)
    expect(m('docs/a.txt')).toBe(false)
    expect(m('src/docs/a.md')).toBe(false)
  })
})
