import { execFileSync } from 'node:child_process'
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { collectAll, collectPaths, pathMatcher } from '../../src/docs/collect.js'
import { readDoc } from '../../src/docs/read.js'

let ws: string
let outside: string
beforeEach(async () => {
  ws = await mkdtemp(join(tmpdir(), 'ks-ws-'))
  outside = await mkdtemp(join(tmpdir(), 'ks-outside-'))
})
afterEach(async () => {
  await rm(ws, { recursive: true, force: true })
  await rm(outside, { recursive: true, force: true })
})

async function files(entries: Record<string, string | Buffer>) {
  for (const [p, c] of Object.entries(entries)) {
    await mkdir(join(ws, p, '..'), { recursive: true })
    await writeFile(join(ws, p), c)
  }
}
const opts = (over = {}) => ({ workspace: ws, patterns: ['docs/**/*.md'], remotePrefix: '', maxBytes: 1024, ...over })

describe('collectAll', () => {
  it('finds matching regular files, hashes them, and keeps unicode and empty files', async () => {
    await files({ 'docs/a.md': 'hello', 'docs/ünï cödé/日本語.md': 'x', 'docs/empty.md': '', 'docs/notes.txt': 'no', 'README.md': 'no' })
    const { docs, skipped } = await collectAll(opts())
    expect(docs.map((d) => d.path)).toEqual(['docs/a.md', 'docs/empty.md', 'docs/ünï cödé/日本語.md'])
    expect(skipped).toEqual([])
    const a = docs[0]!
    expect(a.digests.sha256).toBe(createHash('sha256').update('hello').digest('hex'))
    expect(a.digests.md5).toBe(createHash('md5').update('hello').digest('hex'))
    expect(a.size).toBe(5)
    expect(docs[1]!.size).toBe(0)
    expect((await readDoc(a)).toString()).toBe('hello')
  })

  it('skips a symlink to /etc/passwd, a symlinked directory, a FIFO and an oversized file, naming each', async () => {
    await files({ 'docs/ok.md': 'ok', 'docs/big.md': Buffer.alloc(2048, 'a') })
    await writeFile(join(outside, 'secret.md'), 'outside')
    await symlink('/etc/passwd', join(ws, 'docs/passwd.md'))
    await symlink(outside, join(ws, 'docs/linked-dir'))
    execFileSync('mkfifo', [join(ws, 'docs/pipe.md')])
    const { docs, skipped } = await collectAll(opts())
    expect(docs.map((d) => d.path)).toEqual(['docs/ok.md'])
    const reasons = Object.fromEntries(skipped.map((s) => [s.path, s.reason]))
    expect(reasons['docs/passwd.md']).toMatch(/symbolic link/)
    expect(reasons['docs/pipe.md']).toMatch(/named pipe/)
    expect(reasons['docs/big.md']).toMatch(/over the vendor's limit/)
    // The symlinked directory is not walked at all, so nothing from outside can appear.
    expect(JSON.stringify({ docs, skipped })).not.toContain('secret.md')
  })

  it('applies excludes and the remote prefix', async () => {
    await files({ 'docs/a.md': 'a', 'docs/drafts/b.md': 'b' })
    const { docs } = await collectAll(opts({ patterns: ['docs/**/*.md', '!docs/drafts/**'], remotePrefix: 'team/' }))
    expect(docs.map((d) => [d.path, d.key])).toEqual([['docs/a.md', 'team/docs/a.md']])
  })

  it('agrees with pathMatcher on every file of a mixed tree', async () => {
    const tree = ['docs/a.md', 'docs/.hidden.md', 'docs/x/y.md', 'docs/x/y.txt', 'docs/drafts/z.md', 'other/docs/q.md', 'docs/drafts/keep.md']
    await files(Object.fromEntries(tree.map((p) => [p, p])))
    const patterns = ['docs/**/*.md', '!docs/drafts/**', 'docs/drafts/keep.md']
    const { docs } = await collectAll(opts({ patterns }))
    const m = pathMatcher(patterns)
    expect(docs.map((d) => d.path)).toEqual(tree.filter(m).sort())
  })
})

describe('collectPaths', () => {
  it('reads only the named paths and reports the ones no longer on disk', async () => {
    await files({ 'docs/a.md': 'a', 'docs/b.md': 'b' })
    await symlink('/etc/passwd', join(ws, 'docs/evil.md'))
    const r = await collectPaths(opts(), ['docs/a.md', 'docs/gone.md', 'docs/evil.md', '../escape.md'])
    expect(r.docs.map((d) => d.path)).toEqual(['docs/a.md'])
    expect(r.missing).toContain('docs/gone.md')
    expect(r.skipped.map((s) => s.path)).toContain('docs/evil.md')
    expect(JSON.stringify(r.docs)).not.toContain('escape')
  })
})

describe('readDoc', () => {
  it('refuses a file swapped for a symlink after it was scanned', async () => {
    await files({ 'docs/a.md': 'a' })
    const [doc] = (await collectAll(opts())).docs
    await rm(join(ws, 'docs/a.md'))
    await symlink('/etc/passwd', join(ws, 'docs/a.md'))
    await expect(readDoc(doc!)).rejects.toThrow()
  })
})
