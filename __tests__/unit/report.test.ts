import { describe, expect, it } from 'vitest'
import type { SyncReport } from '../../src/plan.js'
import { cell, planJson, syncSummaryMarkdown } from '../../src/report.js'
import { clearSecrets, registerSecret } from '../../src/secrets.js'
import { itemResult, syncReport } from '../helpers/fixtures.js'

const report = (over: Partial<SyncReport> = {}): SyncReport =>
  syncReport({
    vendorName: 'StackSpot AI',
    store: { id: 'ks', name: 'team-docs', created: false, exists: true },
    scopeReason: 'push 1a2b3c4..5d6e7f8',
    items: [
      itemResult('docs/a.md', 'upload', 'uploaded', 'new in the store', { detail: 'object 01H' }),
      itemResult('docs/b.md', 'delete', 'deleted', 'renamed to docs/c.md'),
      itemResult('docs/c.md', 'upload', 'failed', 'new', { detail: 'HTTP 500' })
    ],
    ...over
  })

describe('job summary', () => {
  it('counts outcomes and lists every file with its outcome and reason', () => {
    const md = syncSummaryMarkdown(report())
    expect(md).toContain('## Knowledge Sync: StackSpot AI → `team-docs`')
    expect(md).toContain('| 1 | 1 | 0 | 0 | 1 |')
    expect(md).toContain('| `docs/a.md` | upload | ⬆️ uploaded | new in the store — object 01H |')
    expect(md).toContain('| `docs/b.md` | delete | 🗑️ deleted | renamed to docs/c.md |')
    expect(md).toContain('❌ failed')
  })

  it('says plainly that a dry run wrote nothing', () => {
    const md = syncSummaryMarkdown(report({ dryRun: true, items: [itemResult('docs/a.md', 'upload', 'planned', 'new in the store')] }))
    expect(md).toContain('**Dry run:** nothing was written to the store')
    expect(md).toContain('📝 planned')
  })

  it('keeps hostile file names from breaking the table or injecting HTML', () => {
    const path = 'docs/<img src=x onerror=alert(1)>|x`\nnext.md'
    const md = syncSummaryMarkdown(report({ items: [itemResult(path, 'upload', 'uploaded', 'new')] }))
    const row = md.split('\n').find((l) => l.includes('onerror'))!
    expect(row).not.toContain('<img')
    expect(row).toContain('&lt;img')
    expect(row.split(/(?<!\\)\|/).length).toBe(6)
    expect(cell('a|b')).toBe('a\\|b')
  })

  it('never shows a registered secret', () => {
    clearSecrets()
    registerSecret('s3cr3t-token-value')
    const md = syncSummaryMarkdown(report({ errors: ['vendor said: bad token s3cr3t-token-value'] }))
    expect(md).not.toContain('s3cr3t-token-value')
    expect(md).toContain('***')
  })
})

describe('plan output', () => {
  it('is JSON with every operation, its outcome and reason', () => {
    const plan = JSON.parse(planJson(report())) as Array<Record<string, string>>
    expect(plan).toHaveLength(3)
    expect(plan[1]).toEqual({ path: 'docs/b.md', key: 'docs/b.md', action: 'delete', outcome: 'deleted', reason: 'renamed to docs/c.md' })
  })
})
