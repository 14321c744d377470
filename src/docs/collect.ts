import { createHash } from 'node:crypto'
import { constants, type Stats } from 'node:fs'
import { lstat, open, realpath } from 'node:fs/promises'
import { isAbsolute, join, relative, sep } from 'node:path'
import * as glob from '@actions/glob'
import { minimatch } from 'minimatch'
import { forEachLimit } from '../concurrency.js'
import { hasControlChars, printablePath } from '../log.js'
import type { Digests, LocalDoc, SkippedFile } from './types.js'

/**
 * The `paths` globs as a string matcher: later patterns win, `!pattern` excludes, and `*`/`**`
 * do not match a dotfile or dot-directory unless the pattern segment itself starts with a dot
 * (minimatch's `dot: false`, the usual glob convention), so `**` cannot reach `.env` or
 * `.github/`. Nothing inside `.git/` ever matches. collectAll walks with @actions/glob, which
 * matches dotfiles, and filters its results through this, so both modes agree; diff mode uses it
 * alone, since walking a 10,000-file tree to check ten paths would be the slowest part of the run.
 */
export function pathMatcher(patterns: readonly string[]): (path: string) => boolean {
  const compiled = patterns.map((p) => {
    const negate = p.startsWith('!')
    // @actions/glob resolves `./docs/**` against the workspace; relative paths have no `./`.
    const pattern = (negate ? p.slice(1) : p).replace(/^(?:\.\/+)+/, '')
    return { negate, test: (path: string) => minimatch(path, pattern, { dot: false }) || minimatch(path, `${pattern.replace(/\/+$/, '')}/**`, { dot: false }) }
  })
  return (path) => {
    if (insideGitDir(path)) return false
    let included = false
    for (const c of compiled) {
      if (c.negate ? included : !included) {
        if (c.test(path)) included = !c.negate
      }
    }
    return included
  }
}

/** `.git` (a directory, or the file a worktree or submodule has) holds the job token actions/checkout persists. */
function insideGitDir(path: string): boolean {
  return path.split('/').some((segment) => segment.toLowerCase() === '.git')
}

/**
 * Files that hold credentials by convention. They are skipped even when a glob names them, since
 * a store is readable by everyone who can ask its agent.
 */
const CREDENTIAL_FILES: ReadonlyArray<[RegExp, string]> = [
  [/^gha-creds-.*\.json$/, 'a Google Cloud credential file left by google-github-actions/auth'],
  [/^id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?$/, 'an SSH private key'],
  [/\.(?:pem|key|p12|pfx)$/, 'a private key or certificate store'],
  [/^\.env(?:\..+)?$/, 'an environment file, which usually holds secrets'],
  [/^(?:\.npmrc|\.netrc|_netrc|\.pypirc|\.git-credentials)$/, 'a credential file of a package manager or of git'],
  [/^credentials\.json$/, 'a credentials file']
]

/** Why a file is never uploaded because of its name, or undefined. */
export function credentialFileReason(path: string): string | undefined {
  const name = (path.split('/').pop() ?? '').toLowerCase()
  const found = CREDENTIAL_FILES.find(([pattern]) => pattern.test(name))
  return found ? `looks like ${found[1]}; never uploaded (rename it, or keep it out of the workspace)` : undefined
}

export interface CollectOptions {
  workspace: string
  patterns: readonly string[]
  remotePrefix: string
  /** Files above this size are reported, not read. */
  maxBytes: number
}

export interface Collected {
  docs: LocalDoc[]
  skipped: SkippedFile[]
}

/** Every file in the workspace matching the globs (full reconcile). */
export async function collectAll(opts: CollectOptions): Promise<Collected> {
  const root = await realpath(opts.workspace)
  const absolutePatterns = opts.patterns.map((p) => {
    const negate = p.startsWith('!')
    return `${negate ? '!' : ''}${escapeGlob(root)}/${negate ? p.slice(1) : p}`
  })
  const globber = await glob.create(absolutePatterns.join('\n'), {
    followSymbolicLinks: false,
    matchDirectories: false,
    implicitDescendants: true
  })
  // @actions/glob matches dotfiles and walks `.git/`: keep only what our glob rules match.
  const matches = pathMatcher(opts.patterns)
  const paths: string[] = []
  for await (const abs of globber.globGenerator()) {
    const rel = relative(root, abs).split(sep).join('/')
    if (matches(rel)) paths.push(rel)
  }
  return inspectPaths(root, paths, opts)
}

/** Only the given repo-relative paths (diff mode); callers pass paths that matched the globs. */
export async function collectPaths(opts: CollectOptions, paths: readonly string[]): Promise<Collected & { missing: string[] }> {
  const root = await realpath(opts.workspace)
  const present: string[] = []
  const missing: string[] = []
  for (const p of paths) {
    try {
      await lstat(join(root, p))
      present.push(p)
    } catch {
      missing.push(p)
    }
  }
  return { ...(await inspectPaths(root, present, opts)), missing }
}

/**
 * Turns candidate paths into LocalDocs. Only regular files inside the workspace are read:
 * symlinks (one to /etc/passwd would otherwise upload it), `..` escapes, FIFOs (a read would
 * block forever) and devices are skipped with the reason, as are names that could forge log
 * lines, anything in `.git/`, credential files, and binary data under a text file name.
 */
async function inspectPaths(root: string, paths: readonly string[], opts: CollectOptions): Promise<Collected> {
  const found: LocalDoc[] = []
  const skipped: SkippedFile[] = []
  const unique = [...new Set(paths)].sort()
  await forEachLimit(unique, 16, async (path) => {
    const result = await inspect(root, path, opts)
    if ('reason' in result) skipped.push(result)
    else found.push(result)
  })
  const docs = withoutNormalizationTwins(found, skipped)
  docs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  skipped.sort((a, b) => (a.path < b.path ? -1 : 1))
  return { docs, skipped }
}

/**
 * Two names that differ only in Unicode normalization (`café` composed and decomposed) are two
 * files to git and Linux, but one name to macOS and to stores that normalize keys: syncing both
 * would let each replace the other on every run. The NFC spelling (or the first) is synced, the
 * others skipped. A lone non-NFC name is synced as it is.
 */
function withoutNormalizationTwins(docs: LocalDoc[], skipped: SkippedFile[]): LocalDoc[] {
  const byNfc = new Map<string, LocalDoc[]>()
  for (const doc of docs) byNfc.set(doc.path.normalize('NFC'), [...(byNfc.get(doc.path.normalize('NFC')) ?? []), doc])
  const kept: LocalDoc[] = []
  for (const [nfc, twins] of byNfc) {
    const keep = twins.find((d) => d.path === nfc) ?? [...twins].sort((a, b) => (a.path < b.path ? -1 : 1))[0]!
    kept.push(keep)
    for (const twin of twins) {
      if (twin !== keep)
        skipped.push({
          path: twin.path,
          reason: `has the same name as ${keep.path} once Unicode-normalized (NFC), and stores may take the two for one doc; rename one of them`
        })
    }
  }
  return kept
}

async function inspect(root: string, path: string, opts: CollectOptions): Promise<LocalDoc | SkippedFile> {
  if (isAbsolute(path) || path.split('/').includes('..')) {
    return { path, reason: 'path escapes the workspace' }
  }
  if (hasControlChars(path)) {
    return { path, reason: `its name ${printablePath(path)} holds a control character (a line break or similar), which could forge log lines; rename it` }
  }
  if (insideGitDir(path)) return { path, reason: "is inside .git/, which holds the job's credentials; never uploaded" }
  const credential = credentialFileReason(path)
  if (credential) return { path, reason: credential }
  const absPath = join(root, path)
  let stat: Stats
  try {
    stat = await lstat(absPath)
  } catch (error) {
    return { path, reason: `cannot be read: ${(error as Error).message}` }
  }
  if (stat.isSymbolicLink()) return { path, reason: 'is a symbolic link; only regular files are synced' }
  if (stat.isFIFO()) return { path, reason: 'is a named pipe (FIFO); only regular files are synced' }
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return { path, reason: 'is a device; only regular files are synced' }
  if (stat.isSocket()) return { path, reason: 'is a socket; only regular files are synced' }
  if (!stat.isFile()) return { path, reason: 'is not a regular file' }
  // A directory symlink higher up could still lead outside: compare real paths.
  const real = await realpath(absPath)
  if (real !== absPath && !real.startsWith(root + sep)) return { path, reason: 'resolves outside the workspace' }
  if (stat.size > opts.maxBytes) {
    return { path, reason: `is ${formatBytes(stat.size)}, over the vendor's limit of ${formatBytes(opts.maxBytes)}` }
  }
  const read = await hashFile(absPath)
  if ('reason' in read) return { path, reason: read.reason }
  const textExtension = TEXT_EXTENSION.exec(path)?.[0]
  if (textExtension && read.binary) {
    return { path, reason: `is named ${textExtension.toLowerCase()} but holds ${read.binary}; only text is synced under a text file name` }
  }
  return { path, key: opts.remotePrefix + path, absPath, size: stat.size, digests: read.digests }
}

/** Extensions whose files vendors read as text; binary bytes under one would be indexed as garbage. */
const TEXT_EXTENSION = /\.(?:md|markdown|mdx|txt|text|rst|adoc|asciidoc|html?|csv|json|ya?ml|xml)$/i

/** What the first bytes of a file say it is, when it is not text: magic numbers first, then any NUL byte. */
function binaryKind(head: Buffer): string | undefined {
  const starts = (magic: number[]) => magic.every((b, i) => head[i] === b)
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'a PNG image'
  if (starts([0xff, 0xd8, 0xff])) return 'a JPEG image'
  if (starts([0x47, 0x49, 0x46, 0x38])) return 'a GIF image'
  if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return 'a PDF document'
  if (starts([0x50, 0x4b, 0x03, 0x04])) return 'a zip archive'
  if (starts([0x7f, 0x45, 0x4c, 0x46])) return 'an executable'
  return head.includes(0) ? 'binary data (NUL bytes; a text file must be UTF-8)' : undefined
}

/**
 * Digests of the file, and whether it starts like binary data. Opened without following links and
 * without blocking, then checked again through the handle: a FIFO or link swapped in after the
 * lstat above is refused instead of blocking the run or being followed.
 */
async function hashFile(absPath: string): Promise<{ digests: Digests; binary?: string } | { reason: string }> {
  const sha256 = createHash('sha256')
  const sha1 = createHash('sha1')
  const md5 = createHash('md5')
  let binary: string | undefined
  let first = true
  const handle = await open(absPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    if (!(await handle.stat()).isFile()) return { reason: 'changed into something other than a regular file while it was read' }
    for await (const chunk of handle.createReadStream({ autoClose: false })) {
      const bytes = chunk as Buffer
      if (first) binary = binaryKind(bytes.subarray(0, 8192))
      first = false
      sha256.update(bytes)
      sha1.update(bytes)
      md5.update(bytes)
    }
  } finally {
    await handle.close().catch(() => undefined)
  }
  return { digests: { sha256: sha256.digest('hex'), sha1: sha1.digest('hex'), md5: md5.digest('hex') }, binary }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

function escapeGlob(path: string): string {
  return path.replace(/[*?[\]{}()!]/g, (c) => `[${c}]`)
}
