/** The command line's parsing, without a bundle or a server: arguments, config file, input sources, help, output. */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseArgs } from '../../src/cli/args.ts'
import { parseConfig } from '../../src/cli/config.ts'
import { commandHelp } from '../../src/cli/help.ts'
import { INPUT_DOCS } from '../../src/cli/input-docs.ts'
import { forTerminal, ProgressBar } from '../../src/cli/output.ts'
import { CLI_FIX_HINTS, cliInputReader, NOT_FOR_THE_CLI } from '../../src/cli/sources.ts'
import { envName, UsageError } from '../../src/cli/usage.ts'
import { INPUT_DEFAULTS, INPUT_SPECS, readSettings } from '../../src/inputs.ts'
import { readActionYml } from '../helpers/action-yml.ts'

const args = (...argv: string[]) => parseArgs(argv, INPUT_SPECS)

describe('arguments', () => {
  it('reads the command, its options and inputs as flags, repeated flags as lines', () => {
    const a = args('sync', '--since', 'HEAD~1', '--json', '--vendor=staffify', '--paths', 'docs/**', '--paths', '!docs/x/**', '--api-key-file', '/k')
    expect(a).toMatchObject({ command: 'sync', since: 'HEAD~1', json: true })
    expect(a.flags.get('vendor')).toEqual(['staffify'])
    expect(a.flags.get('paths')).toEqual(['docs/**', '!docs/x/**'])
    expect(a.secretFiles.get('api-key')).toBe('/k')
  })

  it('refuses every secret input as a flag without reading its value, naming the variable and the -file flag', () => {
    for (const spec of INPUT_SPECS.filter((s) => s.secret)) {
      for (const argv of [[`--${spec.name}`, 'hunter2-secret'], [`--${spec.name}=hunter2-secret`]]) {
        let error: unknown
        try {
          args('plan', ...argv)
        } catch (e) {
          error = e
        }
        expect(error).toBeInstanceOf(UsageError)
        const message = (error as Error).message
        expect(message).toContain(envName(spec.name))
        expect(message).toContain(`--${spec.name}-file`)
        expect(message).not.toContain('hunter2')
      }
    }
  })

  it('is a usage error for unknown options and commands, a missing value and a second command', () => {
    for (const argv of [
      ['plan', '--frob'],
      ['deploy'],
      ['plan', '--vendor'],
      ['plan', '--since', '--json'],
      ['plan', 'sync'],
      ['plan', '-x'],
      ['plan', '--json=yes']
    ]) {
      expect(() => args(...argv), argv.join(' ')).toThrow(UsageError)
    }
    expect(() => args('plan', '--not-a-secret-file', 'x')).toThrow(/Unknown option `--not-a-secret-file`/)
  })

  it('names environment variables in upper snake case', () => {
    expect(envName('api-url')).toBe('KNOWLEDGE_SYNC_API_URL')
    expect(envName('processing-timeout')).toBe('KNOWLEDGE_SYNC_PROCESSING_TIMEOUT')
  })
})

describe('the config file', () => {
  it('reads name: value lines, quotes, comments, | blocks and - lists', () => {
    const text = [
      '# Knowledge Sync',
      'vendor: staffify   # the store',
      'knowledge-base: "Team docs #1"',
      "knowledge-base-name: 'It''s ours'",
      'paths:',
      '  - docs/**/*.md',
      "  - '!docs/drafts/**'",
      '',
      'prompt: |',
      '  Review {{diff}}.',
      '',
      '    Be short.',
      'max-deletions: 10'
    ].join('\n')
    expect(parseConfig(text, 'c.yml')).toEqual({
      vendor: 'staffify',
      'knowledge-base': 'Team docs #1',
      'knowledge-base-name': "It's ours",
      paths: 'docs/**/*.md\n!docs/drafts/**',
      prompt: 'Review {{diff}}.\n\n  Be short.',
      'max-deletions': '10'
    })
  })

  it('reads JSON, lists as lines', () => {
    expect(parseConfig('{"vendor": "castrel", "max-deletions": 3, "create-if-missing": false, "paths": ["a/**", "b/**"]}', 'c.json')).toEqual({
      vendor: 'castrel',
      'max-deletions': '3',
      'create-if-missing': 'false',
      paths: 'a/**\nb/**'
    })
  })

  it('refuses what it does not read, with the line', () => {
    expect(() => parseConfig('vendor: a\n  nested: b\n', 'c.yml')).toThrow(/c\.yml:2: unexpected indentation/)
    expect(() => parseConfig('vendor: [a, b]\n', 'c.yml')).toThrow(/c\.yml:1:/)
    expect(() => parseConfig('vendor: a\nvendor: b\n', 'c.yml')).toThrow(/given twice/)
    expect(() => parseConfig('vendor: "open\n', 'c.yml')).toThrow(/not closed/)
    expect(() => parseConfig('just words\n', 'c.yml')).toThrow(/expected `name: value`/)
    expect(() => parseConfig('{"paths": {"a": 1}}', 'c.json')).toThrow(/must be a string/)
  })
})

describe('input sources', () => {
  const reader = async (argv: string[], env: Record<string, string> = {}, config?: Record<string, string>) => {
    const a = args(...argv)
    return cliInputReader({
      command: a.command!,
      args: a,
      env,
      config: config ? { path: '.knowledge-sync.yml', values: config } : undefined,
      specs: INPUT_SPECS
    })
  }

  it('takes a flag over the environment over the config file over the default', async () => {
    const read = await reader(
      ['plan', '--api-url', 'https://flag'],
      { KNOWLEDGE_SYNC_API_URL: 'https://env', KNOWLEDGE_SYNC_REALM: 'env-realm' },
      {
        'api-url': 'https://config',
        realm: 'config-realm',
        vendor: 'stackspot'
      }
    )
    expect(read('api-url')).toBe('https://flag')
    expect(read('realm')).toBe('env-realm')
    expect(read('vendor')).toBe('stackspot')
    expect(read('knowledge-base')).toBe('')
  })

  it('lets the command decide mode and dry-run, and reads no GitHub-only input', async () => {
    const env = { KNOWLEDGE_SYNC_MODE: 'doctor', KNOWLEDGE_SYNC_DRY_RUN: 'false', KNOWLEDGE_SYNC_GITHUB_TOKEN: 'ghp_x' }
    const plan = await reader(['plan'], env)
    expect([plan('mode'), plan('dry-run'), plan('github-token'), plan('comment')]).toEqual(['full', 'true', '', 'false'])
    const since = await reader(['sync', '--since', 'HEAD~1'], env)
    expect([since('mode'), since('dry-run')]).toEqual(['changed', 'false'])
    const doctor = await reader(['doctor'], env)
    expect(doctor('mode')).toBe('doctor')
    await expect(reader(['plan', '--mode', 'full'])).rejects.toThrow(/`--mode` is an action input the command line does not take/)
    await expect(reader(['plan'], {}, { 'dry-run': 'false' })).rejects.toThrow(/`dry-run` is an action input/)
  })

  it('reads secrets from the environment or a file only, never from the config file', async () => {
    await expect(reader(['plan'], {}, { 'client-secret': 'from-config-123' })).rejects.toThrow(/KNOWLEDGE_SYNC_CLIENT_SECRET/)
    await expect(reader(['plan'], {}, { 'client-secret': 'from-config-123' })).rejects.not.toThrow(/from-config/)
    await expect(reader(['plan'], {}, { 'no-such-input': 'x' })).rejects.toThrow(/`no-such-input` is not an input/)
    const dir = await mkdtemp(join(tmpdir(), 'ks-cli-'))
    await writeFile(join(dir, 'secret'), 'from-file-456\n')
    const read = await reader(['plan', '--client-secret-file', join(dir, 'secret')], {
      KNOWLEDGE_SYNC_CLIENT_SECRET: 'from-env',
      KNOWLEDGE_SYNC_API_KEY: 'key-env'
    })
    expect(read('client-secret')).toBe('from-file-456')
    expect(read('api-key')).toBe('key-env')
    await expect(reader(['plan', '--api-key-file', join(dir, 'missing')])).rejects.toThrow(/`--api-key-file`: cannot read/)
  })

  it("validates with the action's own readSettings, messages naming the input and where to fix it", async () => {
    const read = await reader(['plan', '--vendor', 'staffify', '--max-deletions', 'lots'], { KNOWLEDGE_SYNC_API_KEY: 'sfy_live_x' })
    expect(() => readSettings(read, 'cli', CLI_FIX_HINTS)).toThrow(/`max-deletions` is "lots"[\s\S]*KNOWLEDGE_SYNC_\*/)
    const none = await reader(['plan'])
    expect(() => readSettings(none, 'cli', CLI_FIX_HINTS)).toThrow(/--vendor stackspot/)
    const ok = await reader(['sync', '--vendor', 'staffify', '--knowledge-base', 'Docs'], { KNOWLEDGE_SYNC_API_KEY: 'sfy_live_x' })
    expect(readSettings(ok, 'cli', CLI_FIX_HINTS)).toMatchObject({ vendor: 'staffify', mode: 'full', dryRun: false, maxDeletions: 25 })
  })
})

describe('help', () => {
  it('comes from the input definitions, whose names and defaults action.yml (src/cli/input-docs.ts) agrees with', () => {
    const yml = readActionYml().inputs
    expect(Object.keys(INPUT_DOCS)).toEqual(yml.map((i) => i.name))
    expect(INPUT_SPECS.map((s) => s.name).sort()).toEqual(Object.keys(INPUT_DOCS).sort())
    for (const spec of INPUT_SPECS) {
      if (spec.name === 'github-token') continue
      expect(INPUT_DOCS[spec.name]!.default, spec.name).toBe(INPUT_DEFAULTS[spec.name])
    }
    const help = commandHelp('plan', INPUT_SPECS)
    for (const spec of INPUT_SPECS) {
      if (NOT_FOR_THE_CLI[spec.name]) expect(help).not.toContain(`--${spec.name} <`)
      else expect(help).toContain(spec.secret ? `--${spec.name}-file <path>` : `--${spec.name} <value>`)
    }
    expect(help).toContain(INPUT_DOCS['on-removed']!.description.split(' ').slice(0, 6).join(' '))
  })
})

describe('output', () => {
  it('shows control characters escaped, so a file name cannot move the cursor or forge a line', () => {
    expect(forTerminal('docs/\u001b[2Jx.md\rline')).toBe('docs/\\u001b[2Jx.md\\rline')
    expect(forTerminal('two\nlines\tok')).toBe('two\nlines\tok')
  })

  it('draws a progress bar on one line and prints log lines above it', () => {
    const written: string[] = []
    const bar = new ProgressBar({ write: (t: string) => written.push(t), isTTY: true, columns: 80 })
    bar.start(4, 'starting')
    bar.tick('docs/a.md')
    bar.above('Uploaded docs/a.md\n')
    bar.tick('docs/b.md')
    expect(bar.render(80)).toMatch(/^\[#+-+\] 2\/4 docs\/b\.md$/)
    expect(written.join('')).toContain('\r\x1b[2KUploaded docs/a.md\n')
    bar.finish()
    expect(written.at(-1)).toBe('\r\x1b[2K')
  })
})
