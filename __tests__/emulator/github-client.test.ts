/**
 * The GitHub client (src/github-client.ts) against the emulator's GitHub routes with injected
 * faults: a 5xx is retried, a rate limit waits and retries a bounded number of times with a log
 * line, an answer another try cannot change is not retried, and a POST is never sent twice.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { createGithubEmulator, type GithubEmulator } from '../../emulator/vendors/github/index.ts'
import { githubClient, RATE_LIMIT_RETRIES } from '../../src/github-client.js'
import { memoryLog } from '../../src/log.js'

const TOKEN = 'ghs_bot_token'
const PULL = '/github/repos/octo/docs/pulls/7'
const COMMENTS = '/github/repos/octo/docs/issues/7/comments'

let emu: RunningEmulator<GithubEmulator>
beforeAll(async () => {
  emu = await startEmulator({ vendors: [createGithubEmulator()] })
})
afterAll(() => emu.close())
beforeEach(() => {
  emu.reset()
  emu.vendor('github').seed({
    repo: 'octo/docs',
    tokens: { [TOKEN]: { login: 'github-actions[bot]', type: 'Bot', id: 41898282 } },
    pulls: [{ number: 7, title: 'Docs', head: { sha: 'a'.repeat(40) }, base: { sha: 'b'.repeat(40) }, files: [{ filename: 'docs/a.md', status: 'modified' }] }]
  })
})

/** The plugins wait whole seconds; 1 ms per second keeps the tests fast and the logic the same. */
function client() {
  const log = memoryLog()
  const octokit = githubClient({ token: TOKEN, apiUrl: `${emu.url}/github/`, log, retryAfterBaseValue: 1 })
  return { log, octokit }
}
const calls = (method: string, path: string) => emu.requests.filter((r) => r.method === method && r.path === path)
const comments = () => emu.vendor('github').state().comments['octo/docs#7'] ?? []
const secondaryLimit = { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }

describe('githubClient', () => {
  it('sends requests to the API URL it is given', async () => {
    const { octokit } = client()
    const { data } = await octokit.rest.pulls.get({ owner: 'octo', repo: 'docs', pull_number: 7 })
    expect(data.number).toBe(7)
    expect(calls('GET', PULL)).toHaveLength(1)
  })

  it('retries a 5xx and succeeds', async () => {
    emu.faults.add({ kind: 'status', status: 502, route: `GET ${PULL}`, times: 2 })
    const { octokit } = client()
    const { data } = await octokit.rest.pulls.get({ owner: 'octo', repo: 'docs', pull_number: 7 })
    expect(data.title).toBe('Docs')
    expect(calls('GET', PULL).map((r) => r.status)).toEqual([502, 502, 200])
  })

  it('does not retry an answer another try cannot change', async () => {
    emu.faults.add({ kind: 'status', status: 403, route: `GET ${PULL}`, body: { message: 'Resource not accessible by integration' } })
    const { octokit } = client()
    await expect(octokit.rest.pulls.get({ owner: 'octo', repo: 'docs', pull_number: 7 })).rejects.toMatchObject({ status: 403 })
    expect(calls('GET', PULL)).toHaveLength(1)
  })

  it('never sends a POST twice, since a 5xx may hide a comment that was created', async () => {
    emu.faults.add({ kind: 'status', status: 502, route: `POST ${COMMENTS}` })
    const { octokit } = client()
    await expect(octokit.rest.issues.createComment({ owner: 'octo', repo: 'docs', issue_number: 7, body: 'hi' })).rejects.toMatchObject({ status: 502 })
    expect(calls('POST', COMMENTS)).toHaveLength(1)
    expect(comments()).toHaveLength(0)
  })

  it('waits out a secondary rate limit (403) and retries, saying so in the log', async () => {
    emu.faults.add({ kind: 'status', status: 403, route: `GET ${PULL}`, retryAfter: 3, body: secondaryLimit })
    const { octokit, log } = client()
    const { data } = await octokit.rest.pulls.get({ owner: 'octo', repo: 'docs', pull_number: 7 })
    expect(data.number).toBe(7)
    expect(calls('GET', PULL).map((r) => r.status)).toEqual([403, 200])
    expect(log.lines).toEqual([
      `warning: GitHub secondary rate limit on GET /repos/{owner}/{repo}/pulls/{pull_number}; retrying in 3 s (retry 1 of ${RATE_LIMIT_RETRIES}).`
    ])
  })

  it('retries a rate-limited POST: GitHub did not carry it out', async () => {
    emu.faults.add({ kind: 'status', status: 403, route: `POST ${COMMENTS}`, retryAfter: 1, body: secondaryLimit })
    const { octokit } = client()
    await octokit.rest.issues.createComment({ owner: 'octo', repo: 'docs', issue_number: 7, body: 'hi' })
    expect(calls('POST', COMMENTS).map((r) => r.status)).toEqual([403, 201])
    expect(comments()).toHaveLength(1)
  })

  it('retries a primary rate limit a bounded number of times, then fails with the log saying why', async () => {
    emu.faults.add({
      kind: 'status',
      status: 403,
      route: `GET ${PULL}`,
      persistent: true,
      body: { message: 'API rate limit exceeded', errors: [{ type: 'RATE_LIMITED' }] }
    })
    const { octokit, log } = client()
    await expect(octokit.rest.pulls.get({ owner: 'octo', repo: 'docs', pull_number: 7 })).rejects.toMatchObject({ status: 403 })
    expect(calls('GET', PULL)).toHaveLength(RATE_LIMIT_RETRIES + 1)
    expect(log.lines.filter((l) => l.includes('retrying in'))).toHaveLength(RATE_LIMIT_RETRIES)
    expect(log.lines.at(-1)).toMatch(/^warning: GitHub rate limit on GET .*; not retrying \(2 retries so far/)
  })

  it('fails at once when the limit resets too far ahead to wait for', async () => {
    emu.faults.add({ kind: 'status', status: 403, route: `GET ${PULL}`, retryAfter: 3600, body: secondaryLimit })
    const { octokit, log } = client()
    await expect(octokit.rest.pulls.get({ owner: 'octo', repo: 'docs', pull_number: 7 })).rejects.toMatchObject({ status: 403 })
    expect(calls('GET', PULL)).toHaveLength(1)
    expect(log.lines.at(-1)).toContain('not retrying (0 retries so far, the limit resets in 3600 s)')
  })
})
