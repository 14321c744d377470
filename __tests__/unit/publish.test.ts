/**
 * What a run shows the user, through the real @actions/core: the GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files, workflow commands on stdout, and the exit code.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { publish, publishFailure } from '../../src/publish.js'
import { itemResult, syncReport } from '../helpers/fixtures.js'
import { parseOutputs } from '../helpers/run-action.js'

let dir: string
let stdout: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ks-publish-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))
beforeEach(async () => {
  // @actions/core keeps the summary path it saw first, so every test writes to the same files.
  await writeFile(join(dir, 'output'), '')
  await writeFile(join(dir, 'summary.md'), '')
  vi.stubEnv('GITHUB_OUTPUT', join(dir, 'output'))
  vi.stubEnv('GITHUB_STEP_SUMMARY', join(dir, 'summary.md'))
  vi.stubEnv('RUNNER_TEMP', dir)
  stdout = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
})
afterEach(() => {
  process.exitCode = undefined
})

async function published() {
  const exitCode = process.exitCode
  return { exitCode, outputs: parseOutputs(await readFile(join(dir, 'output'), 'utf8')), summary: await readFile(join(dir, 'summary.md'), 'utf8'), stdout }
}

const report = syncReport({
  vendorName: 'Staffify',
  items: [itemResult('docs/a.md', 'upload', 'uploaded', 'new in the store'), itemResult('docs/b.md', 'unchanged', 'unchanged', 'same content in the store')]
})

describe('publish', () => {
  it('sets the sync outputs, writes the summary and the totals line, and leaves the step green', async () => {
    await publish({ eventName: 'push' }, report)
    const r = await published()
    expect(r.exitCode).toBeUndefined()
    expect(r.outputs).toMatchObject({ uploaded: '1', deleted: '0', unchanged: '1', failed: '0', skipped: '0', 'dry-run': 'false' })
    expect(JSON.parse(r.outputs.plan!)).toHaveLength(2)
    expect(r.outputs.planned).toBe('0')
    expect(r.outputs['plan-file']!.startsWith(join(dir, 'knowledge-sync-'))).toBe(true)
    expect(await readFile(r.outputs['plan-file']!, 'utf8')).toBe(r.outputs.plan)
    expect(r.outputs).not.toHaveProperty('answer')
    expect(r.summary).toContain('## Knowledge Sync: Staffify')
    expect(r.stdout).toContain('Done (push): 1 uploaded, 0 deleted, 1 unchanged, 0 skipped, 0 failed.')
  })

  it('adds the agent answer to the outputs and the summary', async () => {
    const result = { answer: 'Looks right.', conversationId: 'CONV1', summaryMarkdown: '## StackSpot agent\n\nLooks right.\n' }
    await publish({ eventName: 'pull_request' }, { ...report, dryRun: true }, { result })
    const r = await published()
    expect(r.exitCode).toBeUndefined()
    expect(r.outputs).toMatchObject({ answer: 'Looks right.', 'conversation-id': 'CONV1', 'comment-url': '' })
    expect(r.summary).toContain('## StackSpot agent\n\nLooks right.')
    expect(r.stdout).toContain('Dry run planned (pull_request): 0 writes planned, 1 uploaded')
  })

  it('annotates failed and skipped docs, and fails with every reason after publishing the rest', async () => {
    const failing = syncReport({
      items: [
        itemResult('docs/a.md', 'upload', 'failed', 'new in the store', { detail: 'HTTP 500' }),
        itemResult('docs/big.md', 'skip', 'skipped', 'is 9 MiB, over the limit'),
        itemResult('docs/c.md', 'delete', 'failed', 'deleted from the repository')
      ],
      errors: ['1 remote docs would be deleted, more than max-deletions (0)'],
      warnings: ['docs/d.md: embedding retried']
    })
    await publish({ eventName: 'push' }, failing, { failure: 'the agent sent nothing for 30 s' })
    const r = await published()
    expect(r.exitCode).toBe(1)
    expect(r.outputs.failed).toBe('2')
    expect(r.stdout).toContain('::error title=Knowledge Sync%3A failed,file=docs/a.md::docs/a.md: HTTP 500')
    expect(r.stdout).toContain('::warning title=Knowledge Sync%3A skipped,file=docs/big.md::Skipped docs/big.md: is 9 MiB, over the limit')
    expect(r.stdout).toContain('::warning::docs/d.md: embedding retried')
    expect(r.stdout).toContain(
      '::error::1 remote docs would be deleted, more than max-deletions (0)%0A2 of 3 docs failed (see the job summary).%0AThe agent step failed: the agent sent nothing for 30 s'
    )
    expect(r.summary).toContain('## StackSpot agent\n\n> ❌ the agent sent nothing for 30 s')
    expect(r.stdout.indexOf('Done (push)')).toBeLessThan(r.stdout.indexOf('::error::1 remote docs'))
  })
})

describe('publish at scale', () => {
  it('counts the writes a dry run planned', async () => {
    await publish(
      { eventName: 'pull_request' },
      syncReport({
        dryRun: true,
        items: [
          itemResult('docs/a.md', 'upload', 'planned', 'new'),
          itemResult('docs/b.md', 'delete', 'planned', 'deleted'),
          itemResult('docs/c.md', 'unchanged', 'unchanged', 'same')
        ]
      })
    )
    const r = await published()
    expect(r.outputs).toMatchObject({ planned: '2', uploaded: '0', deleted: '0', 'dry-run': 'true' })
  })

  it('cuts the plan output under 1 MB, failures first, pointing at the plan file that holds everything', async () => {
    const items = Array.from({ length: 12_000 }, (_, i) =>
      i % 1000 === 999
        ? itemResult(`docs/area-${i}/a-rather-long-file-name-${i}.md`, 'upload', 'failed', 'new in the store', { detail: 'HTTP 500' })
        : itemResult(`docs/area-${i}/a-rather-long-file-name-${i}.md`, 'unchanged', 'unchanged', 'same content in the store')
    )
    await publish({ eventName: 'workflow_dispatch' }, syncReport({ items }))
    const r = await published()
    expect(r.exitCode).toBe(1)
    expect(Buffer.byteLength(r.outputs.plan!)).toBeLessThan(1_000_000)
    const plan = JSON.parse(r.outputs.plan!) as Array<Record<string, any>>
    expect(plan.slice(0, 12).map((e) => e.outcome)).toEqual(Array(12).fill('failed'))
    expect(plan.at(-1)!.truncated).toMatchObject({ omitted: 12_000 - (plan.length - 1), omitted_failed: 0, total: 12_000, plan_file: r.outputs['plan-file'] })
    expect(JSON.parse(await readFile(r.outputs['plan-file']!, 'utf8'))).toHaveLength(12_000)
    expect(r.summary).toContain('<details><summary>11988 unchanged docs</summary>')
  })
})

describe('publishFailure', () => {
  it('fails with the message and says why in the summary', async () => {
    await publishFailure(new Error('Invalid input: `vendor` is "nope".'))
    const r = await published()
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toContain('::error::Invalid input: `vendor` is "nope".')
    expect(r.summary).toBe('## Knowledge Sync failed\n\n```\nInvalid input: \'vendor\' is "nope".\n```\n\n')
  })
})
