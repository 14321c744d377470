/**
 * The bundle as the runner runs it: validation failures before any network call, secrets masked,
 * and the toolchain facts the project promises (Node 24, dist/ built from src/).
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pushPayload } from '../helpers/payloads.js'
import { runAction } from '../helpers/run-action.js'

let workspace: string
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'ks-action-'))
  await mkdir(join(workspace, 'docs'))
  await writeFile(join(workspace, 'docs/a.md'), '# A\n')
})
afterAll(() => rm(workspace, { recursive: true, force: true }))

const push = () => pushPayload({ owner: 'octo', name: 'docs', before: 'a'.repeat(40), after: 'b'.repeat(40) })

describe('the bundled action', () => {
  it('exits 1 naming the input when vendor is not one we support', async () => {
    const r = await runAction({ inputs: { vendor: 'nope' }, workspace, eventName: 'push', payload: push() })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/::error::Invalid input:%0A {2}- `vendor` is "nope"; it must be one of: stackspot, staffify, telzino, castrel\./)
  })

  it('lists every missing input of the vendor and masks the credential it was given', async () => {
    const r = await runAction({ inputs: { vendor: 'stackspot', 'client-secret': 'top-secret-client-key' }, workspace, eventName: 'push', payload: push() })
    expect(r.code).toBe(1)
    for (const input of ['knowledge-base', 'client-id', 'realm']) expect(r.stdout).toContain(`\`${input}\` is required`)
    expect(r.stdout).toContain('::add-mask::top-secret-client-key')
    expect(r.stdout.replace('::add-mask::top-secret-client-key', '')).not.toContain('top-secret-client-key')
  })

  it('refuses a plain-http vendor URL off loopback before sending anything', async () => {
    const r = await runAction({
      inputs: { vendor: 'castrel', 'api-key': 'pat-123456', 'api-url': 'http://castrel.example.com' },
      workspace,
      eventName: 'push',
      payload: push()
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/`api-url` must use https:\/\//)
  })

  it('skips a pull request from a fork, where GitHub withholds secrets, with one notice and exit 0', async () => {
    const { pullRequestPayload } = await import('../helpers/payloads.js')
    const payload = pullRequestPayload({ owner: 'octo', name: 'docs', number: 7, headSha: 'c'.repeat(40), baseSha: 'd'.repeat(40), headRepo: 'forker/docs' })
    const r = await runAction({ inputs: { vendor: 'stackspot', 'knowledge-base': 'ks', realm: 'r' }, workspace, eventName: 'pull_request', payload })
    expect(r.code).toBe(0)
    expect(r.stdout.match(/::notice::/g)).toHaveLength(1)
    expect(r.stdout).toMatch(/::notice::Knowledge Sync skipped: this pull request comes from a fork/)
  })

  it('fails a pull request from the same repository that lacks the credential', async () => {
    const { pullRequestPayload } = await import('../helpers/payloads.js')
    const payload = pullRequestPayload({ owner: 'octo', name: 'docs', number: 7, headSha: 'c'.repeat(40), baseSha: 'd'.repeat(40) })
    const r = await runAction({ inputs: { vendor: 'stackspot', 'knowledge-base': 'ks', realm: 'r' }, workspace, eventName: 'pull_request', payload })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('`client-secret` is required')
  })
})

describe('toolchain', () => {
  it('runs the tests on Node 24, the runtime action.yml declares', () => {
    expect(process.versions.node.split('.')[0]).toBe('24')
  })

  it('has a dist/ that matches src/', { timeout: 180_000 }, () => {
    const root = resolve(import.meta.dirname, '../..')
    const out = execFileSync(process.execPath, ['scripts/check-dist.mjs'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` }
    })
    expect(out).toContain('dist/ matches src/')
  })
})
