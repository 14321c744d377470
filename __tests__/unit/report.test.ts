import { describe, expect, it } from 'vitest'
import type { ItemResult, SyncReport } from '../../src/plan.js'
import { cell, PLAN_OUTPUT_MAX_BYTES, planJson, planOutputJson, STEP_SUMMARY_LIMIT_BYTES, syncSummaryMarkdown } from '../../src/report.js'
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

/** `n` docs with the given outcome, with long-ish names so a few thousand pass the limits. */
function many(n: number, outcome: ItemResult['outcome'], prefix: string): ItemResult[] {
  const action: Record<ItemResult['outcome'], ItemResult['action']> = {
    uploaded: 'upload',
    replaced: 'replace',
    unchanged: 'unchanged',
    deleted: 'delete',
    tombstoned: 'delete',
    kept: 'keep',
    skipped: 'skip',
    failed: 'upload',
    planned: 'upload'
  }
  return Array.from({ length: n }, (_, i) =>
    itemResult(
      `docs/${prefix}/${'section-'.repeat(8)}${i}.md`,
      action[outcome],
      outcome,
      outcome === 'failed' ? 'new in the store' : 'same content in the store',
      outcome === 'failed' ? { detail: `HTTP 500 #${i}` } : {}
    )
  )
}
const bytes = (s: string) => Buffer.byteLength(s, 'utf8')
const rowIndex = (md: string, text: string) => md.split('\n').findIndex((l) => l.includes(text))

describe('job summary at scale', () => {
  it('lists failed docs first, then changed, then skipped, and collapses unchanged ones with their count', () => {
    const md = syncSummaryMarkdown(
      report({
        items: [
          itemResult('docs/same.md', 'unchanged', 'unchanged', 'same content'),
          itemResult('docs/big.md', 'skip', 'skipped', 'over the limit'),
          itemResult('docs/new.md', 'upload', 'uploaded', 'new'),
          itemResult('docs/gone.md', 'delete', 'deleted', 'deleted from the repository'),
          itemResult('docs/bad.md', 'upload', 'failed', 'new', { detail: 'HTTP 500' }),
          itemResult('docs/same2.md', 'unchanged', 'unchanged', 'same content')
        ]
      })
    )
    const order = [
      'docs/bad.md',
      'docs/new.md',
      'docs/gone.md',
      'docs/big.md',
      '<details><summary>2 unchanged docs</summary>',
      'docs/same.md',
      'docs/same2.md',
      '</details>'
    ]
    const at = order.map((t) => rowIndex(md, t))
    expect(at.every((i) => i >= 0)).toBe(true)
    expect([...at].sort((a, b) => a - b)).toEqual(at)
    expect(md).not.toContain('Not listed here')
  })

  it('stays under the limit by leaving out unchanged, then changed rows, never a failure, and says where they are', () => {
    const items = [...many(3000, 'unchanged', 'same'), ...many(3000, 'uploaded', 'new'), ...many(2000, 'failed', 'bad')]
    const md = syncSummaryMarkdown(report({ items }), { maxBytes: 400_000, planFile: '/runner/_temp/knowledge-sync-x/plan.json' })
    expect(bytes(md)).toBeLessThanOrEqual(400_000)
    const listed = new Set(md.split('\n').map((l) => /^\| `([^`]*)`/.exec(l)?.[1]))
    expect(items.filter((i) => i.outcome === 'failed' && !listed.has(i.path))).toEqual([])
    expect(md).toContain('<details><summary>3000 unchanged docs</summary>')
    expect(md).not.toContain('docs/same/')
    const shownChanged = md.split('\n').filter((l) => l.includes('docs/new/')).length
    expect(shownChanged).toBeGreaterThan(0)
    expect(shownChanged).toBeLessThan(3000)
    expect(md).toContain(`Not listed here, to stay under GitHub's 1 MiB job summary limit: ${3000 - shownChanged} changed, 3000 unchanged of 8000 docs.`)
    expect(md).toContain('/runner/_temp/knowledge-sync-x/plan.json')
  })

  it('lists only failures, each saying less, when they alone would pass the limit', () => {
    const items = [
      ...many(5000, 'uploaded', 'new'),
      ...many(2000, 'failed', 'bad').map((i) => ({ ...i, detail: `HTTP 500: ${'<html>error page</html>'.repeat(40)}` }))
    ]
    const md = syncSummaryMarkdown(report({ items }))
    expect(bytes(md)).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT_BYTES)
    expect(md.split('\n').filter((l) => l.includes('❌ failed'))).toHaveLength(2000)
    expect(md).not.toContain('docs/new/')
    expect(md).toContain('5000 changed of 7000 docs')
  })

  it('escapes hostile names in every group, the collapsed one included', () => {
    const hostile = (g: string) => `docs/${g}<script>x</script>|\`.md`
    const md = syncSummaryMarkdown(
      report({
        items: [
          itemResult(hostile('a'), 'upload', 'failed', 'new'),
          itemResult(hostile('b'), 'upload', 'uploaded', 'new'),
          itemResult(hostile('c'), 'skip', 'skipped', 'x'),
          itemResult(hostile('d'), 'unchanged', 'unchanged', 'same')
        ]
      })
    )
    expect(md).not.toContain('<script>')
    expect(md.match(/&lt;script&gt;x&lt;\/script&gt;\\\|'\.md/g)).toHaveLength(4)
  })
})

describe('plan output', () => {
  it('is JSON with every operation, its outcome and reason', () => {
    const plan = JSON.parse(planJson(report())) as Array<Record<string, string>>
    expect(plan).toHaveLength(3)
    expect(plan[1]).toEqual({ path: 'docs/b.md', key: 'docs/b.md', action: 'delete', outcome: 'deleted', reason: 'renamed to docs/c.md' })
  })

  it('is the whole plan while it fits', () => {
    expect(planOutputJson(report(), { planFile: '/tmp/p.json' })).toBe(planJson(report()))
  })

  it('past the limit keeps every failure first, then what fits, and ends saying what is left out and where', () => {
    const items = [...many(8000, 'uploaded', 'new'), ...many(500, 'failed', 'bad'), ...many(8000, 'unchanged', 'same')]
    expect(bytes(planJson(report({ items })))).toBeGreaterThan(PLAN_OUTPUT_MAX_BYTES)
    const out = planOutputJson(report({ items }), { planFile: '/runner/_temp/ks/plan.json' })
    expect(bytes(out)).toBeLessThanOrEqual(PLAN_OUTPUT_MAX_BYTES)
    const plan = JSON.parse(out) as Array<Record<string, any>>
    const marker = plan.at(-1)!
    const entries = plan.slice(0, -1)
    expect(entries.slice(0, 500).every((e) => e.outcome === 'failed')).toBe(true)
    expect(entries[500]).toMatchObject({ path: items[0]!.path, outcome: 'uploaded' })
    expect(marker.truncated).toMatchObject({
      omitted: items.length - entries.length,
      omitted_failed: 0,
      total: items.length,
      plan_file: '/runner/_temp/ks/plan.json'
    })
    expect(marker.truncated.see).toContain('/runner/_temp/ks/plan.json')
  })

  it('counts the failures it had to leave out when failures alone pass the limit', () => {
    const items = many(300, 'failed', 'bad')
    const out = planOutputJson(report({ items }), { maxBytes: 20_000 })
    expect(bytes(out)).toBeLessThanOrEqual(20_000)
    const plan = JSON.parse(out) as Array<Record<string, any>>
    const kept = plan.length - 1
    expect(plan.at(-1)!.truncated).toMatchObject({ omitted: 300 - kept, omitted_failed: 300 - kept, total: 300 })
    expect(plan.at(-1)!.truncated.see).toContain("job log's Plan group")
  })
})
