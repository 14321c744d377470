// Generates the README's inputs and outputs tables from action.yml, between the
// <!-- inputs:start --> / <!-- inputs:end --> and <!-- outputs:start --> / <!-- outputs:end --> markers,
// and src/cli/input-docs.ts, the inputs' descriptions for the command line's --help (the bundle
// cannot read action.yml at run time).
//   node scripts/readme-inputs.mjs --write   rewrite README.md and src/cli/input-docs.ts
//   node scripts/readme-inputs.mjs --check   exit 1 when either is out of date (used by the tests)
import { readFileSync, writeFileSync } from 'node:fs'

const root = new URL('..', import.meta.url)
const yml = readFileSync(new URL('action.yml', root), 'utf8').split('\n')

/** @param {string} v */
function unquote(v) {
  const t = v.trim()
  if (t.startsWith('"') && t.endsWith('"')) return JSON.parse(t)
  if (t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1)
  return t
}

/** @typedef {{ name: string, description: string, required: boolean, default: string | undefined }} Field */

/** @param {'inputs' | 'outputs'} sectionName @returns {Field[]} */
function fields(sectionName) {
  /** @type {Field[]} */
  const out = []
  let inSection = false
  /** @type {Field | undefined} */
  let current
  for (const line of yml) {
    if (/^\S/.test(line)) inSection = line.startsWith(`${sectionName}:`)
    if (!inSection) continue
    const f = /^ {2}([\w-]+):\s*$/.exec(line)
    if (f) {
      current = { name: f[1] ?? '', description: '', required: false, default: undefined }
      out.push(current)
      continue
    }
    const p = /^ {4}(description|required|default):\s*(.*)$/.exec(line)
    if (!current || !p) continue
    const value = unquote(p[2] ?? '')
    if (p[1] === 'required') current.required = value === 'true'
    else if (p[1] === 'default') current.default = value
    else current.description = value
  }
  return out
}

/** @param {string} s */
const esc = (s) => s.replace(/\|/g, '\\|')
export function inputsTable() {
  const rows = fields('inputs').map(
    (i) =>
      `| \`${i.name}\` | ${esc(i.description)} | ${i.required ? 'yes' : 'no'} | ${i.default === undefined || i.default === '' ? '' : `\`${esc(i.default)}\``} |`
  )
  return ['| Name | Description | Required | Default |', '|---|---|---|---|', ...rows].join('\n')
}
export function outputsTable() {
  const rows = fields('outputs').map((o) => `| \`${o.name}\` | ${esc(o.description)} |`)
  return ['| Name | Description |', '|---|---|', ...rows].join('\n')
}

/** @param {string} text @param {string} name @param {string} body */
function replaceBetween(text, name, body) {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const a = text.indexOf(start)
  const b = text.indexOf(end)
  if (a < 0 || b < a) throw new Error(`README.md lacks the ${start} … ${end} markers`)
  return `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}`
}

/** The CLI's copy of every input's description and default, as a TypeScript module. */
export function cliInputDocs() {
  const entries = fields('inputs').map(
    (i) => `  ${JSON.stringify(i.name)}: { description: ${JSON.stringify(i.description)}, default: ${JSON.stringify(i.default ?? '')} }`
  )
  return [
    '// Generated from action.yml by `npm run docs:inputs`; do not edit. A test checks it is current.',
    '',
    "/** Each action input's description and action.yml default, for the command line's --help. */",
    'export const INPUT_DOCS: Readonly<Record<string, { readonly description: string; readonly default: string }>> = {',
    entries.join(',\n'),
    '}',
    ''
  ].join('\n')
}

const readmeUrl = new URL('README.md', root)
const readme = readFileSync(readmeUrl, 'utf8')
const fresh = replaceBetween(replaceBetween(readme, 'inputs', inputsTable()), 'outputs', outputsTable())
const docsUrl = new URL('src/cli/input-docs.ts', root)
/** @param {URL} url */
const readOrEmpty = (url) => {
  try {
    return readFileSync(url, 'utf8')
  } catch {
    return ''
  }
}
const docs = readOrEmpty(docsUrl)
const freshDocs = cliInputDocs()
if (process.argv.includes('--write')) {
  writeFileSync(readmeUrl, fresh)
  writeFileSync(docsUrl, freshDocs)
  console.log('README.md tables and src/cli/input-docs.ts written from action.yml')
} else if (process.argv.includes('--check')) {
  if (fresh !== readme) {
    console.error('README.md inputs/outputs tables differ from action.yml: run `npm run docs:inputs`.')
    process.exit(1)
  }
  if (freshDocs !== docs) {
    console.error('src/cli/input-docs.ts differs from action.yml: run `npm run docs:inputs`.')
    process.exit(1)
  }
  console.log('README.md tables and src/cli/input-docs.ts match action.yml')
}
