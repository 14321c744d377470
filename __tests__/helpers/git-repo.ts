/**
 * Real git repositories for tests: a bare "origin" and a working clone, as a push would leave
 * them, plus shallow clones made the way actions/checkout makes them (fetch-depth: 1).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, mkdir, rm, writeFile, rename as fsRename, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

const exec = promisify(execFile)

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 't@example.com',
      GIT_CONFIG_NOSYSTEM: '1'
    }
  })
  return stdout.trim()
}

export interface TestRepo {
  /** Root temp dir holding everything below; removed by cleanup(). */
  readonly root: string
  /** Bare repository playing the GitHub remote. */
  readonly origin: string
  /** Full working clone where tests edit and commit. */
  readonly work: string
  write(files: Record<string, string | Buffer>): Promise<void>
  remove(...paths: string[]): Promise<void>
  rename(from: string, to: string): Promise<void>
  /** Stage everything, commit, return the new sha. */
  commit(message?: string): Promise<string>
  /** Push the work clone's main to origin; returns the sha origin had before and has after. */
  push(opts?: { force?: boolean }): Promise<{ before: string; after: string }>
  head(): Promise<string>
  /** A clone as actions/checkout makes it: fetch-depth 1 at `sha` (default: origin's main). */
  checkout(sha?: string, depth?: number): Promise<string>
  cleanup(): Promise<void>
}

export async function makeRepo(files: Record<string, string | Buffer> = {}): Promise<TestRepo> {
  const root = await mkdtemp(join(tmpdir(), 'ks-repo-'))
  const origin = join(root, 'origin.git')
  const work = join(root, 'work')
  await mkdir(origin)
  await git(origin, 'init', '--bare', '-q', '-b', 'main')
  await git(root, 'init', '-q', '-b', 'main', work)
  await git(work, 'remote', 'add', 'origin', origin)
  let checkouts = 0
  let pushed = '0'.repeat(40)

  const repo: TestRepo = {
    root,
    origin,
    work,
    async write(entries) {
      for (const [path, content] of Object.entries(entries)) {
        const abs = join(work, path)
        await mkdir(dirname(abs), { recursive: true })
        await writeFile(abs, content)
      }
    },
    async remove(...paths) {
      for (const p of paths) await unlink(join(work, p))
    },
    async rename(from, to) {
      await mkdir(dirname(join(work, to)), { recursive: true })
      await fsRename(join(work, from), join(work, to))
    },
    async commit(message = 'docs change') {
      await git(work, 'add', '-A')
      await git(work, 'commit', '-q', '--allow-empty', '-m', message)
      return git(work, 'rev-parse', 'HEAD')
    },
    async push(opts = {}) {
      const before = pushed
      await git(work, 'push', '-q', ...(opts.force ? ['--force'] : []), 'origin', 'HEAD:main')
      pushed = await git(work, 'rev-parse', 'HEAD')
      return { before, after: pushed }
    },
    head: () => git(work, 'rev-parse', 'HEAD'),
    async checkout(sha, depth = 1) {
      const dir = join(root, `checkout-${++checkouts}`)
      await git(root, 'init', '-q', dir)
      await git(dir, 'remote', 'add', 'origin', `file://${origin}`)
      const target = sha ?? (await git(origin, 'rev-parse', 'main'))
      await git(dir, 'fetch', '-q', '--no-tags', `--depth=${depth}`, 'origin', target)
      await git(dir, 'checkout', '-q', '--detach', target)
      return dir
    },
    cleanup: () => rm(root, { recursive: true, force: true })
  }
  if (Object.keys(files).length > 0) {
    await repo.write(files)
    await repo.commit('initial docs')
  }
  return repo
}
