import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { lstat, open, realpath } from 'node:fs/promises'
import { isAbsolute, join, relative, sep } from 'node:path'
import * as glob from '@actions/glob'
import { minimatch } from 'minimatch'
import { forEachLimit } from '../concurrency.js'
import type { Digests, LocalDoc, SkippedFile } from './types.js'

/**
 * The `paths` globs as a string matcher, with the semantics @actions/glob uses when it walks the
 * tree (it is built on the same minimatch): later patterns win, `!pattern` excludes, dotfiles
 * match. Used for files that are no longer on disk (deleted in the diff) and in diff mode, where
 * walking a 10,000-file tree to check ten paths would be the slowest part of the run.
 */
export function pathMatcher(patterns: readonly string[]): (path: string) => boolean {
  const compiled = patterns.map((p) => {
    const negate = p.startsWith('!')
    const pattern = negate ? p.slice(1) : p
    return { negate, test: (path: string) => minimatch(path, pattern, { dot: true }) || minimatch(path, `${pattern.replace(/\/+$/, '')}/**`, { dot: true }) }
  })
  return (path) => {
    let included = false
    for (const c of compiled) {
      if (c.negate ? included : !included) {
        if (c.test(path)) included = !c.negate
      }
    }
    return included
  }
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
  const paths: string[] = []
  for await (const abs of globber.globGenerator()) {
    const rel = relative(root, abs).split(sep).join('/')
    paths.push(rel)
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
 * block forever) and devices are skipped with the reason.
 */
async function inspectPaths(root: string, paths: readonly string[], opts: CollectOptions): Promise<Collected> {
  const docs: LocalDoc[] = []
  const skipped: SkippedFile[] = []
  const unique = [...new Set(paths)].sort()
  await forEachLimit(unique, 16, async (path) => {
    const result = await inspect(root, path, opts)
    if ('reason' in result) skipped.push(result)
    else docs.push(result)
  })
  docs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  skipped.sort((a, b) => (a.path < b.path ? -1 : 1))
  return { docs, skipped }
}

async function inspect(root: string, path: string, opts: CollectOptions): Promise<LocalDoc | SkippedFile> {
  if (isAbsolute(path) || path.split('/').includes('..') || path.includes('\0')) {
    return { path, reason: 'path escapes the workspace' }
  }
  const absPath = join(root, path)
  let stat
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
  const digests = await hashFile(absPath)
  return { path, key: opts.remotePrefix + path, absPath, size: stat.size, digests }
}

async function hashFile(absPath: string): Promise<Digests> {
  const sha256 = createHash('sha256')
  const sha1 = createHash('sha1')
  const md5 = createHash('md5')
  const handle = await open(absPath, constants.O_RDONLY | constants.O_NOFOLLOW)
  try {
    for await (const chunk of handle.createReadStream()) {
      sha256.update(chunk as Buffer)
      sha1.update(chunk as Buffer)
      md5.update(chunk as Buffer)
    }
  } finally {
    await handle.close().catch(() => undefined)
  }
  return { sha256: sha256.digest('hex'), sha1: sha1.digest('hex'), md5: md5.digest('hex') }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

function escapeGlob(path: string): string {
  return path.replace(/[*?[\]{}()!]/g, (c) => `[${c}]`)
}
