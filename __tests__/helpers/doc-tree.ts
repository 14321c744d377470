/**
 * Random edits to a docs tree for the convergence test: names (unicode, nested, glob and URL
 * characters), Markdown content (empty, tiny, long sections, copies of another doc) and the
 * commits that add, modify, rename, swap and delete them. Everything comes from a Prng, so a
 * seed gives the same edits again; the tree itself is read back from git after history rewrites.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { TestRepo } from './git-repo.ts'
import type { Prng } from './prng.ts'

const exec = promisify(execFile)

/** The `paths` input every convergence run uses. */
export const DOC_GLOBS = 'docs/**/*.md\ndocs/**/*.txt'

/**
 * Whether a repository path is a doc under DOC_GLOBS, decided without the action's matcher: `**`
 * and `*` match no name that starts with a dot (a dotfile or a dot-folder), as in every glob tool.
 */
export function isDoc(path: string): boolean {
  return path.startsWith('docs/') && /\.(md|txt)$/.test(path) && !path.split('/').some((part) => part.startsWith('.'))
}

/**
 * Never edited, renamed or deleted: the test learns from it how the store names a doc (the part a
 * vendor adds before the key, such as Telzino's `<owner/repo>/`), whatever scheme the action uses.
 */
export const ANCHOR = { path: 'docs/000-anchor.md', content: '# Anchor\n\nThis doc never changes; the convergence test finds the store naming from it.\n' }

/** Segments of doc names: scripts, spaces, and characters that mean something to globs, URLs or shells. */
const NAME_PARTS = [
  'guide',
  'api',
  'faq',
  'Überblick',
  'café au lait',
  'résumé',
  'e\u0301tude',
  '日本語',
  'данные',
  'ελληνικά',
  'دليل',
  'नमस्ते',
  'launch 🚀',
  'a+b',
  'x&y',
  "it's",
  '100%',
  '#tags',
  '(draft)',
  '[wip]',
  '{braces}',
  '!important',
  'semi;colon',
  '.hidden',
  'ñandú',
  'trailing space ',
  // Long names: three of these nest past Castrel's 255-character entry names.
  'a-folder-name-long-enough-that-three-of-them-in-a-row-make-a-path-longer-than-most-name-fields',
  'ドキュメントの非常に長いフォルダ名はバイト数で数えると三倍になります',
  'z'
]

const WORDS = [
  'the',
  'store',
  'sync',
  'doc',
  'agent',
  'knowledge',
  'release',
  'deploy',
  'rollback',
  'token',
  'naïve',
  'façade',
  'Zürich',
  '東京',
  'データ',
  'привет',
  'مرحبا',
  'γειά',
  '🚀',
  '✅',
  'e\u0301',
  'x²',
  '—',
  '“quoted”',
  '`code`',
  '**bold**',
  '[link](https://example.com/a?b=c)'
]

/** Files outside DOC_GLOBS that the edits also touch: the store must never hold them. */
const OUT_OF_SCOPE = ['README.md', 'notes/todo.md', 'docs/diagram.png', 'docs/draft.markdown', 'archive/old guide.md']

export type Files = Map<string, Buffer>

export function sentence(rng: Prng, words = rng.int(4, 14)): string {
  const out: string[] = []
  for (let i = 0; i < words; i++) out.push(rng.pick(WORDS))
  return `${out.join(' ')}.`
}

/** A Markdown doc: mostly small, sometimes with a section long enough to be split by Staffify. */
export function docContent(rng: Prng): Buffer {
  const shape = rng.weighted({ small: 10, headings: 6, long: 1, empty: 1, crlf: 1 })
  if (shape === 'empty') return Buffer.alloc(0)
  if (shape === 'small') return Buffer.from(`${sentence(rng)}\n${rng.chance(0.5) ? `\n${sentence(rng)}\n` : ''}`)
  const lines: string[] = [`# ${sentence(rng, 3).slice(0, -1)}`, '', sentence(rng)]
  const sections = shape === 'long' ? 2 : rng.int(1, 4)
  for (let s = 0; s < sections; s++) {
    lines.push('', `${'#'.repeat(rng.int(2, 3))} ${sentence(rng, 2).slice(0, -1)}`, '')
    const paragraphs = shape === 'long' ? rng.int(60, 120) : rng.int(1, 3)
    for (let p = 0; p < paragraphs; p++) lines.push(sentence(rng, rng.int(8, 30)), '')
    if (rng.chance(0.3)) lines.push('```sh', '# not a heading inside a fence', 'npm test', '```', '')
  }
  const text = `${lines.join('\n')}\n`
  return Buffer.from(shape === 'crlf' ? text.replace(/\n/g, '\r\n') : text)
}

/** A new doc path, not yet in `files`: under docs/, up to three folders deep. */
export function docPath(rng: Prng, files: Files): string {
  for (;;) {
    const depth = rng.weighted({ 0: 3, 1: 3, 2: 2, 3: 1 })
    const dirs: string[] = []
    for (let i = 0; i < Number(depth); i++) dirs.push(rng.pick(NAME_PARTS))
    const base = `${rng.pick(NAME_PARTS)}${rng.chance(0.6) ? `-${rng.int(1, 99)}` : ''}${rng.chance(0.85) ? '.md' : '.txt'}`
    const path = ['docs', ...dirs, base].join('/')
    // A folder cannot share its name with a file, and git keeps no empty folders: keep names apart.
    const clash = [...files.keys()].some((p) => p === path || p.startsWith(`${path}/`) || path.startsWith(`${p}/`))
    if (!clash) return path
  }
}

export type Edit =
  | { kind: 'add'; path: string; content: Buffer }
  | { kind: 'modify'; path: string; content: Buffer }
  | { kind: 'rename'; from: string; to: string; content?: Buffer }
  | { kind: 'delete'; path: string }
  | { kind: 'swap'; a: string; b: string }

export function describeEdit(e: Edit): string {
  const size = (b: Buffer) => `${b.length} B`
  switch (e.kind) {
    case 'add':
      return `add ${e.path} (${size(e.content)})`
    case 'modify':
      return `modify ${e.path} (${size(e.content)})`
    case 'rename':
      return `rename ${e.from} → ${e.to}${e.content ? ` (and edit, ${size(e.content)})` : ''}`
    case 'delete':
      return `delete ${e.path}`
    case 'swap':
      return `swap the contents of ${e.a} and ${e.b}`
  }
}

/** Draws one edit that fits the tree as it is. */
export function randomEdit(rng: Prng, files: Files): Edit {
  const docs = [...files.keys()].filter((p) => isDoc(p) && p !== ANCHOR.path).sort()
  const others = [...files.keys()].filter((p) => !isDoc(p)).sort()
  const kind = rng.weighted({ add: 4, copy: 1, modify: 4, empty: 1, rename: 3, 'move-out': 1, 'move-in': 1, delete: 2, swap: 1, 'out-of-scope': 1 })
  const fresh = () => docPath(rng, files)
  if (docs.length < 2 && kind !== 'out-of-scope') return { kind: 'add', path: fresh(), content: docContent(rng) }
  switch (kind) {
    case 'add':
      return { kind: 'add', path: fresh(), content: docContent(rng) }
    case 'copy': {
      // The same bytes under two names: stores that refuse duplicate content must still hold both.
      const source = rng.pick(docs)
      return { kind: 'add', path: fresh(), content: files.get(source)! }
    }
    case 'modify': {
      const path = rng.pick(docs)
      const old = files.get(path)!
      const content = rng.chance(0.5) && old.length > 0 ? Buffer.concat([old, Buffer.from(`\n${sentence(rng)}\n`)]) : docContent(rng)
      return { kind: 'modify', path, content }
    }
    case 'empty':
      return rng.chance(0.5) ? { kind: 'modify', path: rng.pick(docs), content: Buffer.alloc(0) } : { kind: 'add', path: fresh(), content: Buffer.alloc(0) }
    case 'rename': {
      const from = rng.pick(docs)
      const to = fresh()
      return rng.chance(0.3)
        ? { kind: 'rename', from, to, content: Buffer.concat([files.get(from)!, Buffer.from(`\n${sentence(rng)}\n`)]) }
        : { kind: 'rename', from, to }
    }
    case 'move-out':
      return { kind: 'rename', from: rng.pick(docs), to: `archive/${rng.int(1, 9999)}-${rng.pick(NAME_PARTS)}.md` }
    case 'move-in': {
      const outside = others.filter((p) => p.endsWith('.md') && !p.startsWith('docs/'))
      if (outside.length === 0) return { kind: 'add', path: fresh(), content: docContent(rng) }
      return { kind: 'rename', from: rng.pick(outside), to: fresh() }
    }
    case 'delete':
      return { kind: 'delete', path: rng.pick(docs) }
    case 'swap': {
      const [a, b] = rng.sample(docs, 2) as [string, string]
      return { kind: 'swap', a, b }
    }
    case 'out-of-scope': {
      const path = rng.pick(OUT_OF_SCOPE)
      const content = path.endsWith('.png') ? Buffer.from([0x89, 0x50, 0x4e, 0x47, rng.int(0, 255)]) : Buffer.from(`${sentence(rng)}\n`)
      return files.has(path) ? { kind: 'modify', path, content } : { kind: 'add', path, content }
    }
  }
  throw new Error(`unknown edit ${kind}`)
}

/** Writes an edit to the work clone and to `files`. */
export async function applyEdit(repo: TestRepo, files: Files, e: Edit): Promise<void> {
  switch (e.kind) {
    case 'add':
    case 'modify':
      await repo.write({ [e.path]: e.content })
      files.set(e.path, e.content)
      return
    case 'rename': {
      await repo.rename(e.from, e.to)
      const content = e.content ?? files.get(e.from)!
      if (e.content) await repo.write({ [e.to]: e.content })
      files.delete(e.from)
      files.set(e.to, content)
      return
    }
    case 'delete':
      await repo.remove(e.path)
      files.delete(e.path)
      return
    case 'swap': {
      const a = files.get(e.a)!
      const b = files.get(e.b)!
      await repo.write({ [e.a]: b, [e.b]: a })
      files.set(e.a, b)
      files.set(e.b, a)
    }
  }
}

/** The first tree of a sequence: the anchor, a doc every seeded store also names, a few random docs, a README. */
export function initialFiles(rng: Prng): Files {
  const files: Files = new Map([
    [ANCHOR.path, Buffer.from(ANCHOR.content)],
    ['docs/index.md', Buffer.from('# Index\n\nThe repository docs start here.\n')],
    ['README.md', Buffer.from('# Repository\n')],
    ['archive/old guide.md', Buffer.from('# Old guide\n\nNot synced until it moves into docs/.\n')]
  ])
  const count = rng.int(2, 6)
  for (let i = 0; i < count; i++) files.set(docPath(rng, files), docContent(rng))
  return files
}

/** Every file git tracks in `dir` (a work clone or a checkout), with its bytes as on disk. */
export async function trackedFiles(dir: string): Promise<Files> {
  const { stdout } = await exec('git', ['-c', 'core.quotepath=false', 'ls-files', '-z'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const files: Files = new Map()
  for (const path of stdout.split('\0')) {
    if (path !== '') files.set(path, await readFile(join(dir, path)))
  }
  return files
}
