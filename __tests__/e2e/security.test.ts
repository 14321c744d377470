/**
 * End to end, as an attacker would try it: hostile file names and files in the workspace, and
 * vendors (or whatever answers in their place) replying with HTML, redirects, echoed credentials,
 * hour-long Retry-Afters and upload URLs aimed inside the runner's network. For each: a clear
 * error or a reported skip, nothing lost, and no secret in the log, the outputs or the summary,
 * in any spelling (raw, base64, URL-encoded). Runs the bundle (dist/index.js).
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { appendFile, open, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_ACCOUNTS, demoInputs } from '../../emulator/demo-accounts.ts'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { createGithubEmulator, GITHUB_EMULATOR_TOKEN, type GithubEmulator } from '../../emulator/vendors/github/index.ts'
import { StackSpotIdm } from '../../emulator/vendors/stackspot-idm/index.ts'
import { createStackspotEmulator, type StackspotEmulator } from '../../emulator/vendors/stackspot/index.ts'
import { createTelzinoEmulator, type TelzinoEmulator } from '../../emulator/vendors/telzino/index.ts'
import { makeRepo, type TestRepo } from '../helpers/git-repo.js'
import { startInterceptor, type Interceptor } from '../helpers/intercept.js'
import { pushPayload, workflowDispatchPayload } from '../helpers/payloads.js'
import { runAction, type RunResult } from '../helpers/run-action.js'
import { recordSuccess } from '../helpers/workflow-runs.js'

let emu: RunningEmulator<StackSpotIdm | StackspotEmulator | TelzinoEmulator | GithubEmulator>
const repos: TestRepo[] = []
const servers: Interceptor[] = []
beforeAll(async () => {
  const idm = new StackSpotIdm()
  emu = await startEmulator({ vendors: [idm, createStackspotEmulator(idm), createTelzinoEmulator(), createGithubEmulator()], processingMs: 20 })
})
afterAll(async () => {
  for (const r of repos) await r.cleanup()
  for (const s of servers) await s.close()
  await emu.close()
})

async function repoWith(files: Record<string, string | Buffer>): Promise<TestRepo> {
  const repo = await makeRepo(files)
  repos.push(repo)
  return repo
}

async function interceptor(...args: Parameters<typeof startInterceptor>): Promise<Interceptor> {
  const server = await startInterceptor(...args)
  servers.push(server)
  return server
}

const SLUG = (name: string) => `sec-${name}`
const objects = (slug: string) =>
  emu
    .vendor('stackspot')
    .state()
    .knowledgeSources.find((k) => k.slug === slug)?.objects ?? []
/** Every object is stored under the repository's namespace; the tests compare the doc paths below it. */
const NAMESPACE = 'octo/docs/'
const docPath = (filePath: string | null | undefined) => (filePath?.startsWith(NAMESPACE) ? filePath.slice(NAMESPACE.length) : (filePath ?? '-'))
const storedPaths = (slug: string) =>
  objects(slug)
    .map((o) => docPath(o.file_path))
    .sort()

/** A full reconcile of the repository's pushed head on StackSpot, the way a manual run does it. */
async function dispatch(workspace: string, slug: string, extra: Record<string, string> = {}): Promise<RunResult> {
  return runAction({
    inputs: demoInputs('stackspot', emu.url, { 'knowledge-base': slug, paths: 'docs/**/*.md', 'processing-timeout': '30', ...extra }),
    workspace,
    eventName: 'workflow_dispatch',
    payload: workflowDispatchPayload({ owner: 'octo', name: 'docs' }),
    emulatorUrl: emu.url,
    timeoutMs: 90_000
  })
}

async function pushedCheckout(repo: TestRepo): Promise<string> {
  await repo.commit()
  await repo.push()
  return repo.checkout()
}

/** What a user (or an attacker reading a public run) can see: the log without the runner's own add-mask lines, outputs, summary. */
function visible(r: RunResult): string {
  const log = r.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n')
  return [log, r.stderr, ...Object.values(r.outputs), r.summary].join('\n')
}

function spellings(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    Buffer.from(secret).toString('base64url')
  ]
}

function expectNoLeak(r: RunResult, ...secrets: string[]): void {
  const text = visible(r)
  for (const secret of secrets) for (const s of new Set(spellings(secret))) expect(text, `leaked ${s}`).not.toContain(s)
}

/** The access tokens the run was given (each announced to the runner with add-mask). */
function maskedTokens(r: RunResult): string[] {
  return [...r.stdout.matchAll(/^::add-mask::(eyJ\.[0-9a-f]{48})$/gm)].map((m) => m[1]!)
}

/** Lines the runner would execute as workflow commands it did not get from the action itself. */
function forgedCommands(stdout: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the runner's whitespace includes these separators
  return stdout.split(/\r\n|\r|\n/).filter((l) => /^[\s\u0085\u001c-\u001f]*::(?:stop-commands|error title=Forged)/.test(l) || l.includes('##['))
}

const planOf = (r: RunResult): Array<{ path: string; outcome: string; reason: string; detail?: string }> => JSON.parse(r.outputs.plan ?? '[]')
const item = (r: RunResult, path: string) => planOf(r).find((i) => i.path === path)

describe('workflow commands in file names', () => {
  it('a doc named docs/x\\n::stop-commands::pwn\\ny.md is skipped with its name escaped; no forged command reaches the runner and tokens stay masked', async () => {
    const evil = 'docs/x\n::stop-commands::pwn\ny.md'
    const evilCr = 'docs/z\r::error title=Forged::pwned\r.md'
    const repo = await repoWith({ [evil]: '# evil\n', [evilCr]: '# evil too\n', 'docs/ok.md': '# ok\n' })
    const r = await dispatch(await pushedCheckout(repo), SLUG('commands'))
    expect(r.code, r.log).toBe(0)
    expect(forgedCommands(r.stdout)).toEqual([])
    expect(item(r, evil)).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('"docs/x\\n::stop-commands::pwn\\ny.md" holds a control character')
    })
    expect(item(r, evilCr)?.outcome).toBe('skipped')
    expect(r.stdout).toContain('Skipped "docs/x\\n::stop-commands::pwn\\ny.md": its name')
    expect(storedPaths(SLUG('commands'))).toEqual(['docs/ok.md'])
    // The token fetched after the docs were read is still announced to the runner for masking, and never printed.
    const tokens = maskedTokens(r)
    expect(tokens.length).toBeGreaterThan(0)
    expectNoLeak(r, ...tokens, DEMO_ACCOUNTS.stackspot.clientSecret)
  })
})

describe('what may be uploaded', () => {
  it("with paths '**', neither .git/config (holding the job token) nor a gha-creds-*.json is uploaded; the credential file is reported", async () => {
    const repo = await repoWith({ 'docs/a.md': '# a\n', 'README.md': '# readme\n' })
    const workspace = await pushedCheckout(repo)
    const jobToken = 'ghs_CheckoutPersistedJobToken0123456789'
    await appendFile(
      join(workspace, '.git/config'),
      `[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ${Buffer.from(`x-access-token:${jobToken}`).toString('base64')}\n`
    )
    await writeFile(join(workspace, 'gha-creds-abc.json'), JSON.stringify({ type: 'external_account', private_key: `-----BEGIN PRIVATE KEY-----${jobToken}` }))
    const r = await dispatch(workspace, SLUG('uploads'), { paths: '**' })
    expect(r.code, r.log).toBe(0)
    expect(storedPaths(SLUG('uploads'))).toEqual(['README.md', 'docs/a.md'])
    expect(planOf(r).filter((i) => i.path.startsWith('.git'))).toEqual([])
    expect(item(r, 'gha-creds-abc.json')).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/Google Cloud credential file .*never uploaded/) })
    expect(r.stdout).toMatch(/^::warning .*file=gha-creds-abc\.json.*::Skipped gha-creds-abc\.json: looks like/m)
    expect(visible(r)).not.toContain(jobToken)
    expect(JSON.stringify(objects(SLUG('uploads')))).not.toContain(jobToken)
  })
})

describe('adversarial files', () => {
  const slug = SLUG('files')
  const long = `docs/${'l'.repeat(200)}/${'n'.repeat(91)}.md`
  const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)])
  const nfdAlone = 'docs/cafe\u0301.md'
  const twinNfd = 'docs/re\u0301sume\u0301.md'
  const twinNfc = 'docs/r\u00e9sum\u00e9.md'
  let repo: TestRepo
  let workspace: string
  let first: RunResult

  beforeAll(async () => {
    repo = await repoWith({
      'docs/ok.md': '# ok\n',
      'docs/image.md': PNG,
      '-n.md': '# dash\n',
      'docs/--output=pwned.md': '# dashes\n',
      [nfdAlone]: '# café (decomposed)\n',
      [twinNfd]: '# résumé (decomposed)\n',
      [twinNfc]: '# résumé (composed)\n',
      [long]: '# long\n'
    })
    await symlink('/etc/passwd', join(repo.work, 'docs/passwd.md'))
    await symlink('/proc/self/environ', join(repo.work, 'docs/environ.md'))
    workspace = await pushedCheckout(repo)
    execFileSync('mkfifo', [join(workspace, 'docs/pipe.md')])
    await writeFile(join(workspace, 'docs/huge.md'), Buffer.alloc(11 * 1024 * 1024, 'a'))
    const sparse = await open(join(workspace, 'docs/sparse.md'), 'w')
    await sparse.truncate(8 * 1024 ** 3)
    await sparse.close()
    first = await dispatch(workspace, slug, { paths: 'docs/**\n-*.md' })
  }, 120_000)

  it.each([
    ['a symlink to /etc/passwd', 'docs/passwd.md', 'skipped', /symbolic link/],
    ['a symlink to /proc/self/environ', 'docs/environ.md', 'skipped', /symbolic link/],
    ['a FIFO', 'docs/pipe.md', 'skipped', /named pipe/],
    ['a huge file', 'docs/huge.md', 'skipped', /11\.0 MiB, over the vendor's limit of 10\.0 MiB/],
    ['a huge sparse file', 'docs/sparse.md', 'skipped', /8192\.0 MiB, over the vendor's limit/],
    ['a PNG named .md', 'docs/image.md', 'skipped', /named \.md but holds a PNG image/],
    ['a name with a leading -', '-n.md', 'uploaded', /new/],
    ['a name that looks like a git option', 'docs/--output=pwned.md', 'uploaded', /new/],
    ['a lone non-NFC name', nfdAlone, 'uploaded', /new/],
    ['the non-NFC twin of an NFC name', twinNfd, 'skipped', /same name as docs\/résumé\.md once Unicode-normalized/],
    ['the NFC twin', twinNfc, 'uploaded', /new/],
    ['a 300-character path', long, 'uploaded', /new/]
  ])('%s: %s is %s', (_case, path, outcome, reason) => {
    const i = item(first, path)
    expect(i, first.log).toBeDefined()
    expect(i!.outcome).toBe(outcome)
    expect(`${i!.reason} ${i!.detail ?? ''}`).toMatch(reason)
  })

  it('reads nothing outside the workspace and leaks no secret', () => {
    expect(first.code, first.log).toBe(0)
    const stored = JSON.stringify(objects(slug))
    expect(stored).not.toMatch(/root:x:0:0|PATH=|HOME=/)
    expectNoLeak(first, ...maskedTokens(first), DEMO_ACCOUNTS.stackspot.clientSecret)
  })

  it('nothing is lost: a second run finds every synced doc unchanged and deletes nothing', async () => {
    const again = await dispatch(workspace, slug, { paths: 'docs/**\n-*.md' })
    expect(again.code, again.log).toBe(0)
    expect(again.outputs).toMatchObject({ uploaded: '0', deleted: '0', failed: '0', unchanged: '6' })
    expect(storedPaths(slug)).toEqual(['-n.md', 'docs/--output=pwned.md', nfdAlone, twinNfc, long, 'docs/ok.md'].sort())
  })

  it('a push that changes names with a leading - is diffed by git without reading them as options', async () => {
    await repo.write({ '-n.md': '# dash v2\n', 'docs/--output=pwned.md': '# dashes v2\n' })
    await repo.commit()
    const { before, after } = await repo.push()
    const pushed = await repo.checkout(after, 2)
    // The earlier runs synced `before`: this push's run diffs from there (see docs/change-detection.md).
    recordSuccess(emu.vendor('github'), 'octo/docs', before)
    const r = await runAction({
      inputs: demoInputs('stackspot', emu.url, {
        'knowledge-base': slug,
        paths: 'docs/**\n-*.md',
        'processing-timeout': '30',
        'github-token': GITHUB_EMULATOR_TOKEN
      }),
      workspace: pushed,
      eventName: 'push',
      payload: pushPayload({ owner: 'octo', name: 'docs', before, after }),
      emulatorUrl: emu.url,
      timeoutMs: 90_000
    })
    expect(r.code, r.log).toBe(0)
    expect(r.log).toMatch(/2 changed files, from push .* \(git\)/)
    expect(r.outputs).toMatchObject({ uploaded: '2', failed: '0', deleted: '0' })
    expect(existsSync(join(pushed, 'pwned.md'))).toBe(false)
    expect(objects(slug).find((o) => docPath(o.file_path) === '-n.md')?.content).toBe('# dash v2\n')
  })

  it('a diff that lists ../ paths reads nothing outside the workspace', async () => {
    await repo.write({ 'docs/ok.md': '# ok v2\n' })
    await repo.commit()
    const { before, after } = await repo.push()
    emu.vendor('github').seed({
      repo: 'octo/docs',
      compares: [
        {
          base: before,
          head: after,
          status: 'ahead',
          files: [
            { filename: 'docs/ok.md', status: 'modified' },
            { filename: 'docs/../../../../etc/passwd', status: 'added' },
            { filename: 'docs/../../../../etc/hosts.md', status: 'added' }
          ]
        }
      ]
    })
    recordSuccess(emu.vendor('github'), 'octo/docs', before)
    const r = await runAction({
      inputs: demoInputs('stackspot', emu.url, { 'knowledge-base': slug, paths: 'docs/**', 'processing-timeout': '30', 'github-token': GITHUB_EMULATOR_TOKEN }),
      workspace: await repo.checkout(after, 1),
      eventName: 'push',
      payload: pushPayload({ owner: 'octo', name: 'docs', before, after }),
      emulatorUrl: emu.url,
      timeoutMs: 90_000
    })
    expect(r.code, r.log).toBe(0)
    expect(r.log).toMatch(/compare API/)
    expect(r.outputs).toMatchObject({ uploaded: '1', failed: '0', deleted: '0' })
    expect(JSON.stringify(objects(slug))).not.toMatch(/localhost|root:x/)
    expect(storedPaths(slug).some((p) => p.includes('..'))).toBe(false)
  })
})

describe('token endpoints that answer something else', () => {
  const FORM_TOKEN = 'gho_FormEncoded+Live/Token=0123456789'
  const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJrbm93bGVkZ2Utc3luYyJ9.SIGNATURE_part-0123456789'
  const answers = {
    'a 200 form-encoded body': {
      status: 200,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${encodeURIComponent(FORM_TOKEN)}&token_type=bearer&expires_in=3600`
    },
    'a 200 HTML page': {
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: `<!doctype html><html><body><form><input type="hidden" name="access_token" value="${JWT}"></form></body></html>`
    },
    'a 401 invalid_client': {
      status: 401,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: 'invalid_client',
        error_description: `Client authentication failed (client_secret=${DEMO_ACCOUNTS.stackspot.clientSecret})`
      })
    }
  }

  it.each([
    [
      'a 200 form-encoded body',
      /get an access token failed \(HTTP 200\): the token endpoint answered a form-encoded body \(fields: access_token, token_type, expires_in\) instead of JSON/
    ],
    ['a 200 HTML page', /get an access token failed \(HTTP 200\): the token endpoint answered an HTML page/],
    [
      'a 401 invalid_client',
      /get an access token failed \(HTTP 401\): invalid_client: Client authentication failed \(client_secret=\*\*\*\) Check the [`']client-id/
    ]
  ] as const)('%s: the run fails saying so, without the body or any token in it', async (kind, message) => {
    const idm = await interceptor(undefined, [{ path: /oauth\/token/, respond: () => answers[kind] }])
    const repo = await repoWith({ 'docs/a.md': '# a\n' })
    const r = await dispatch(await pushedCheckout(repo), SLUG('token'), { 'auth-url': `${idm.url}/idm/demo-realm/oidc/oauth/token` })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(message)
    expect(r.summary).toMatch(message)
    expect(visible(r)).not.toMatch(/<html|<input|token_type=/)
    expectNoLeak(r, FORM_TOKEN, JWT, DEMO_ACCOUNTS.stackspot.clientSecret)
  })
})

describe('vendors that answer with hostile HTTP', () => {
  it('an error body that echoes the Authorization header leaks no part of the token, even across the 300-character cut', async () => {
    const api = await interceptor(emu.url, [
      {
        method: 'GET',
        path: /\/knowledge-sources\/sec-echo$/,
        respond: (req) => ({
          status: 400,
          headers: { 'content-type': 'application/json' },
          // The token starts at character 282 of the message: a cut at 300 before redaction keeps its first 18 characters.
          body: JSON.stringify({ message: `${'x'.repeat(259)} Authorization: Bearer ${String(req.headers.authorization).slice(7)}`, echo: req.headers })
        })
      }
    ])
    const repo = await repoWith({ 'docs/a.md': '# a\n' })
    const r = await dispatch(await pushedCheckout(repo), 'sec-echo', { 'api-url': `${api.url}/stackspot` })
    expect(r.code).toBe(1)
    const [token] = maskedTokens(r)
    expect(token).toBeDefined()
    expect(r.stdout).toMatch(/look up Knowledge Source "sec-echo" failed \(HTTP 400\): x+ Authorization: Bearer \*\*\*/)
    expectNoLeak(r, token!)
    const secretPart = token!.slice(4)
    for (let i = 0; i + 10 <= secretPart.length; i++) expect(visible(r)).not.toContain(secretPart.slice(i, i + 10))
  })

  it('a redirect to another origin is not followed: that origin gets nothing, and the error says why', async () => {
    const elsewhere = await interceptor(undefined)
    const api = await interceptor(emu.url, [
      { method: 'GET', path: /\/knowledge-sources\/sec-redirect$/, respond: () => ({ status: 302, headers: { location: `${elsewhere.url}/collect?sig=abc` } }) }
    ])
    const repo = await repoWith({ 'docs/a.md': '# a\n' })
    const r = await dispatch(await pushedCheckout(repo), 'sec-redirect', { 'api-url': `${api.url}/stackspot` })
    expect(r.code).toBe(1)
    expect(elsewhere.seen).toEqual([])
    expect(r.stdout).toMatch(new RegExp(`HTTP 302\\): the server redirected to ${elsewhere.url.replace(/[.]/g, '\\.')}; the action does not follow redirects`))
    expectNoLeak(r, ...maskedTokens(r))
  })

  it('Retry-After: 3600 gives up at once, saying the vendor asked to wait an hour', async () => {
    emu.faults.add({ kind: 'status', status: 429, retryAfter: 3600, match: '/knowledge-sources/sec-retry', persistent: true })
    try {
      const repo = await repoWith({ 'docs/a.md': '# a\n' })
      const workspace = await pushedCheckout(repo)
      const started = Date.now()
      const r = await dispatch(workspace, 'sec-retry')
      expect(r.code).toBe(1)
      expect(Date.now() - started).toBeLessThan(20_000)
      expect(r.stdout).toMatch(/HTTP 429\): Injected HTTP 429; the vendor asked us to wait an hour before trying again/)
    } finally {
      emu.faults.clear()
    }
  })
})

describe('pre-signed upload URLs aimed inside the runner', () => {
  it('StackSpot: an S3 form URL on an unspecified address fails that doc and sends no byte there', async () => {
    const sink = await interceptor(undefined)
    const port = new URL(sink.url).port
    const api = await interceptor(emu.url, [
      { method: 'POST', path: /\/v2\/file-upload\/form$/, rewriteJson: (form) => ({ ...form, url: `http://0.0.0.0:${port}/stackspot-genai-uploads` }) }
    ])
    const repo = await repoWith({ 'docs/a.md': '# a\n' })
    const r = await dispatch(await pushedCheckout(repo), SLUG('presigned'), { 'api-url': `${api.url}/stackspot`, 'upload-strategy': 'per-file' })
    expect(r.code).toBe(1)
    expect(sink.seen).toEqual([])
    expect(item(r, 'docs/a.md')).toMatchObject({ outcome: 'failed' })
    expect(item(r, 'docs/a.md')!.detail).toMatch(
      /the upload URL StackSpot gave for (octo\/docs\/)?docs\/a\.md points at 0\.0\.0\.0, an unspecified address; refused.*Nothing was sent/
    )
  })

  it('Telzino: a presigned URL on an unspecified address fails that doc, sends nothing, and leaves no half-made source', async () => {
    const sink = await interceptor(undefined)
    const port = new URL(sink.url).port
    const api = await interceptor(emu.url, [
      {
        method: 'POST',
        path: /\/v1\/knowledge-bases\/[^/]+\/sources$/,
        rewriteJson: (res) =>
          res.data?.presignedUrl ? { ...res, data: { ...res.data, presignedUrl: `http://0.0.0.0:${port}/telzino/s3/x?X-Amz-Signature=abc` } } : res
      }
    ])
    const repo = await repoWith({ 'docs/a.md': '# a\n' })
    const r = await runAction({
      inputs: demoInputs('telzino', emu.url, { 'knowledge-base': 'Security', paths: 'docs/**', 'api-url': `${api.url}/telzino` }),
      workspace: await pushedCheckout(repo),
      eventName: 'workflow_dispatch',
      payload: workflowDispatchPayload({ owner: 'octo', name: 'docs' }),
      emulatorUrl: emu.url
    })
    expect(r.code).toBe(1)
    expect(sink.seen).toEqual([])
    expect(item(r, 'docs/a.md')!.detail).toMatch(/the upload URL Telzino gave for docs\/a\.md points at 0\.0\.0\.0, an unspecified address; refused/)
    expect(r.log).not.toContain('X-Amz-Signature=abc')
    const kb = emu
      .vendor('telzino')
      .state()
      .knowledgeBases.find((k) => k.name === 'Security')
    expect(kb?.sources.filter((s) => s.source_type === 'file') ?? []).toEqual([])
  })
})
