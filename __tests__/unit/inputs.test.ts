import { describe, expect, it, vi } from 'vitest'
import { INPUT_DEFAULTS, actionsInputReader, readSettings } from '../../src/inputs.js'
import { redact, clearSecrets } from '../../src/secrets.js'
import { readActionYml } from '../helpers/action-yml.js'

const base = { vendor: 'stackspot', 'knowledge-base': 'my-ks', 'client-id': 'cid-123', 'client-secret': 'csecret-456', realm: 'acme' }
const reader = (values: Record<string, string>) => (name: string) => values[name] ?? ''

function problems(values: Record<string, string>, event = 'push'): string {
  try {
    readSettings(reader(values), event)
  } catch (e) {
    return (e as Error).message
  }
  throw new Error('expected the inputs to be rejected')
}

describe('readSettings', () => {
  it('applies the documented defaults', () => {
    const s = readSettings(reader(base), 'push')
    expect(s).toMatchObject({
      vendor: 'stackspot',
      paths: ['docs/**/*.md'],
      mode: 'auto',
      createIfMissing: true,
      onRemoved: 'delete',
      maxDeletions: 25,
      dryRun: false,
      concurrency: 4,
      apiUrl: 'https://data-integration-api.stackspot.com',
      authUrl: 'https://idm.stackspot.com/acme/oidc/oauth/token',
      agentUrl: 'https://genai-inference-app.stackspot.com',
      comment: true
    })
  })

  it('dry-run auto plans on pull request events and writes on push', () => {
    expect(readSettings(reader(base), 'pull_request').dryRun).toBe(true)
    expect(readSettings(reader(base), 'pull_request_review').dryRun).toBe(true)
    expect(readSettings(reader(base), 'workflow_dispatch').dryRun).toBe(false)
    expect(readSettings(reader({ ...base, 'dry-run': 'true' }), 'push').dryRun).toBe(true)
  })

  it('names the input and the fix for a bad vendor', () => {
    expect(problems({ vendor: 'nope' })).toMatch(/`vendor` is "nope"; it must be one of: stackspot, staffify, telzino, castrel/)
    expect(problems({})).toMatch(/Input `vendor` is required.*Add `vendor: stackspot`/s)
  })

  it('lists every missing credential for the vendor at once', () => {
    const msg = problems({ vendor: 'stackspot' })
    for (const input of ['knowledge-base', 'client-id', 'client-secret', 'realm']) expect(msg).toContain(`\`${input}\` is required`)
    expect(problems({ vendor: 'castrel', 'api-key': 'pat' })).toMatch(/`api-url` is required for vendor castrel/)
    expect(problems({ vendor: 'telzino', 'knowledge-base': 'kb', 'client-id': 'x' })).toMatch(/give both `client-id` and `client-secret`/)
  })

  it("reports a bad value and the vendor's missing inputs in one message", () => {
    const msg = problems({ vendor: 'stackspot', 'max-deletions': 'many', 'client-id': 'cid' })
    expect(msg).toContain('`max-deletions` is "many"')
    expect(msg).toContain('`knowledge-base` is required')
    expect(msg).toContain('`client-secret` is required')
    expect(msg).not.toContain('`client-id` is required')
  })

  it('rejects bad values with the accepted range', () => {
    expect(problems({ ...base, 'max-deletions': 'lots' })).toMatch(/`max-deletions` is "lots"; it must be a whole number/)
    expect(problems({ ...base, concurrency: '0' })).toMatch(/`concurrency` is "0"/)
    expect(problems({ ...base, 'dry-run': 'yes' })).toMatch(/`dry-run` is "yes"/)
    expect(problems({ ...base, 'create-if-missing': 'yes' })).toMatch(/`create-if-missing` is "yes"; it must be `true` or `false`/)
    expect(problems({ ...base, paths: '!docs/**' })).toMatch(/`paths` must list at least one glob/)
    expect(problems({ ...base, paths: '../secrets/*.md' })).toMatch(/must not contain "\.\."/)
  })

  it('accepts https vendor URLs and http only on loopback', () => {
    expect(readSettings(reader({ ...base, 'api-url': 'http://127.0.0.1:4010/stackspot/' }), 'push').apiUrl).toBe('http://127.0.0.1:4010/stackspot')
    expect(readSettings(reader({ ...base, 'api-url': 'http://localhost:1/x' }), 'push').apiUrl).toBe('http://localhost:1/x')
    expect(readSettings(reader({ ...base, 'agent-url': 'http://[::1]:8/a' }), 'push').agentUrl).toBe('http://[::1]:8/a')
    expect(problems({ ...base, 'api-url': 'http://api.example.com' })).toMatch(/`api-url` must use https:\/\//)
    expect(problems({ ...base, 'auth-url': 'not a url' })).toMatch(/`auth-url` is not a URL/)
  })

  it("validates the Castrel trigger against the docs' trigger table", () => {
    const castrel = { vendor: 'castrel', 'api-key': 'pat', 'api-url': 'https://castrel.example.com' }
    expect(problems({ ...castrel, trigger: 'service' })).toMatch(/`trigger: service` needs `trigger-config` with a non-empty "service_id"/)
    expect(problems({ ...castrel, trigger: 'alert', 'trigger-config': '{"match_patterns": []}' })).toMatch(/match_patterns/)
    expect(problems({ ...castrel, 'trigger-config': '[1]' })).toMatch(/`trigger-config` must be a JSON object/)
    expect(readSettings(reader({ ...castrel, trigger: 'service', 'trigger-config': '{"service_id":"svc-1"}' }), 'push').triggerConfig).toEqual({
      service_id: 'svc-1'
    })
  })

  it('masks credentials as they are read, before validation can fail', () => {
    clearSecrets()
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    problems({ ...base, 'client-secret': 'very-secret-key', 'max-deletions': 'x' })
    const written = write.mock.calls.map((c) => String(c[0])).join('')
    expect(written).toContain('::add-mask::very-secret-key')
    expect(redact('token very-secret-key here')).toBe('token *** here')
  })

  it('reads inputs the way the runner passes them (INPUT_* variables)', () => {
    vi.stubEnv('INPUT_VENDOR', 'castrel')
    vi.stubEnv('INPUT_API-KEY', ' pat-value ')
    vi.stubEnv('INPUT_API-URL', 'https://castrel.example.com')
    vi.stubEnv('INPUT_MAX-DELETIONS', '3')
    const s = readSettings(actionsInputReader, 'push')
    expect(s).toMatchObject({ vendor: 'castrel', apiKey: 'pat-value', maxDeletions: 3, apiUrl: 'https://castrel.example.com' })
  })
})

describe('action.yml', () => {
  it('declares exactly the inputs the code reads, with the same defaults', () => {
    const yml = readActionYml()
    const declared = Object.fromEntries(yml.inputs.map((i) => [i.name, i.default ?? '']))
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal GitHub expression action.yml declares
    const expected = { ...INPUT_DEFAULTS, 'github-token': '${{ github.token }}' }
    expect(declared).toEqual(expected)
    for (const i of yml.inputs) expect(i.description.length, i.name).toBeGreaterThan(10)
  })

  it('runs the bundle on node24 and documents every output', () => {
    const yml = readActionYml()
    expect(yml.using).toBe('node24')
    expect(yml.main).toBe('dist/index.js')
    expect(yml.outputs.map((o) => o.name).sort()).toEqual(
      [
        'answer',
        'comment-url',
        'conversation-id',
        'deleted',
        'doctor-report',
        'dry-run',
        'failed',
        'plan',
        'plan-file',
        'planned',
        'skipped',
        'unchanged',
        'uploaded'
      ].sort()
    )
  })
})

describe('README', () => {
  it('has the inputs and outputs tables generated from action.yml', async () => {
    const { execFileSync } = await import('node:child_process')
    const out = execFileSync(process.execPath, ['scripts/readme-inputs.mjs', '--check'], { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8' })
    expect(out).toContain('match action.yml')
  })
})
