import { execFileSync } from 'node:child_process'
import { mkdtemp, mkdir, open, rm, symlink, writeFile } from 'node:fs/promises'
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

describe('what may be uploaded', () => {
  const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])

  it("never reads inside .git/ and lets * and ** skip dotfiles and dot-directories, even with paths '**'", async () => {
    await files({
      '.git/config': '[http]\n\textraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA==\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
      'sub/.git': 'gitdir: ../.git/modules/sub\n',
      '.github/workflows/ci.yml': 'on: push\n',
      'docs/.hidden.md': 'hidden',
      'docs/.drafts/a.md': 'draft',
      'docs/a.md': 'a',
      'README.md': 'readme'
    })
    const { docs, skipped } = await collectAll(opts({ patterns: ['**'], maxBytes: 1 << 20 }))
    expect(docs.map((d) => d.path)).toEqual(['README.md', 'docs/a.md'])
    expect(skipped).toEqual([])
  })

  it('matches dotfiles when the pattern segment names the dot, but never .git even when named', async () => {
    await files({ '.github/ISSUE_TEMPLATE/bug.md': 'bug', '.github/.secret/x.md': 'x', '.git/config': 'token', 'docs/.vuepress/intro.md': 'v' })
    const { docs } = await collectAll(opts({ patterns: ['.github/**/*.md', 'docs/.vuepress/*.md', '.git/**', '.git/config'], maxBytes: 1 << 20 }))
    expect(docs.map((d) => d.path)).toEqual(['.github/ISSUE_TEMPLATE/bug.md', 'docs/.vuepress/intro.md'])
    const r = await collectPaths(opts(), ['.git/config', 'docs/../.git/config'])
    expect(r.docs).toEqual([])
  })

  it('skips well-known credential files with a reason, even when a glob names them', async () => {
    const creds = [
      'gha-creds-abc123.json',
      'docs/id_rsa',
      'docs/id_ed25519',
      'docs/server.pem',
      'docs/tls.key',
      'docs/cert.p12',
      'docs/cert.pfx',
      '.env',
      'docs/.env.production',
      '.npmrc',
      '.netrc',
      '.pypirc',
      '.git-credentials',
      'docs/credentials.json'
    ]
    await files({ ...Object.fromEntries(creds.map((p) => [p, 'secret'])), 'docs/keys.md': 'about keys', 'docs/environment.md': 'env docs' })
    const { docs, skipped } = await collectAll(opts({ patterns: ['**', '.*', 'docs/.env*'], maxBytes: 1 << 20 }))
    expect(docs.map((d) => d.path)).toEqual(['docs/environment.md', 'docs/keys.md'])
    expect(skipped.map((s) => s.path).sort()).toEqual([...creds].sort())
    for (const s of skipped) expect(s.reason).toMatch(/never uploaded/)
  })

  it('skips a name with a control character, showing it escaped', async () => {
    const name = 'docs/x\n::stop-commands::pwn\ny.md'
    await files({ [name]: 'evil', 'docs/tab\there.md': 'tab', 'docs/ok.md': 'ok' })
    const { docs, skipped } = await collectAll(opts())
    expect(docs.map((d) => d.path)).toEqual(['docs/ok.md'])
    const reasons = Object.fromEntries(skipped.map((s) => [s.path, s.reason]))
    expect(reasons[name]).toContain('"docs/x\\n::stop-commands::pwn\\ny.md" holds a control character')
    expect(reasons['docs/tab\there.md']).toMatch(/control character/)
  })

  it('skips binary data under a text name (a PNG named .md), and keeps binary types as they are', async () => {
    await files({ 'docs/image.md': PNG, 'docs/utf16.txt': Buffer.from('\ufeffhi', 'utf16le'), 'docs/real.png': PNG, 'docs/ok.md': '# ok' })
    const { docs, skipped } = await collectAll(opts({ patterns: ['docs/**'] }))
    expect(docs.map((d) => d.path)).toEqual(['docs/ok.md', 'docs/real.png'])
    const reasons = Object.fromEntries(skipped.map((s) => [s.path, s.reason]))
    expect(reasons['docs/image.md']).toBe('is named .md but holds a PNG image; only text is synced under a text file name')
    expect(reasons['docs/utf16.txt']).toMatch(/NUL bytes/)
  })

  it('skips a huge sparse file by its size without reading it', async () => {
    await files({ 'docs/ok.md': 'ok' })
    const handle = await open(join(ws, 'docs/sparse.md'), 'w')
    await handle.truncate(8 * 1024 ** 3)
    await handle.close()
    const started = Date.now()
    const { docs, skipped } = await collectAll(opts({ maxBytes: 10 * 1024 * 1024 }))
    expect(Date.now() - started).toBeLessThan(2000)
    expect(docs.map((d) => d.path)).toEqual(['docs/ok.md'])
    expect(skipped).toEqual([{ path: 'docs/sparse.md', reason: "is 8192.0 MiB, over the vendor's limit of 10.0 MiB" }])
  })

  it('syncs a lone non-NFC name as it is, and skips the twin of a name that differs only in normalization', async () => {
    const nfd = 'docs/cafe\u0301.md'
    const nfc = 'docs/caf\u00e9.md'
    await files({ 'docs/only-nfd/re\u0301sume\u0301.md': 'nfd' })
    expect((await collectAll(opts())).docs.map((d) => d.path)).toEqual(['docs/only-nfd/re\u0301sume\u0301.md'])
    await files({ [nfd]: 'decomposed', [nfc]: 'composed' })
    const { docs, skipped } = await collectAll(opts())
    expect(docs.map((d) => d.path)).toContain(nfc)
    expect(docs.map((d) => d.path)).not.toContain(nfd)
    expect(skipped).toEqual([
      { path: nfd, reason: `has the same name as ${nfc} once Unicode-normalized (NFC), and stores may take the two for one doc; rename one of them` }
    ])
  })

  it('keeps names with a leading dash and 300-character paths as ordinary docs', async () => {
    const long = `docs/${'l'.repeat(200)}/${'n'.repeat(91)}.md`
    expect(long.length).toBe(300)
    await files({ 'docs/-rf.md': 'dash', 'docs/--output=x.md': 'dashes', [long]: 'long' })
    const { docs } = await collectAll(opts())
    expect(docs.map((d) => d.path)).toEqual(['docs/--output=x.md', 'docs/-rf.md', long])
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
