/**
 * The config file (`.knowledge-sync.yml`, or `--config <file>`): input names as keys, as in a
 * workflow step's `with:` block. JSON, or the small part of YAML such a block needs: `key: value`
 * with plain, single- or double-quoted values, a `|` block for several lines, and `- item` lists
 * (read as one value per line, like `paths`). Anything else is refused with its line number
 * rather than guessed at, which is why a YAML library is not worth a dependency here.
 */
import { readFile } from 'node:fs/promises'
import { UsageError } from './usage.js'

export async function readConfigFile(path: string): Promise<Record<string, string>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(`Cannot read the config file ${path}${code === 'ENOENT' ? ': it does not exist' : ` (${code ?? 'error'})`}.`)
  }
  return parseConfig(text, path)
}

export function parseConfig(text: string, file: string): Record<string, string> {
  return text.trimStart().startsWith('{') ? parseJson(text, file) : parseYaml(text, file)
}

function parseJson(text: string, file: string): Record<string, string> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${file} must hold one JSON object of input names and values.`)
  const out: Record<string, string> = {}
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = String(v)
    else if (Array.isArray(v) && v.every((e) => typeof e === 'string')) out[key] = v.join('\n')
    else throw new UsageError(`${file}: \`${key}\` must be a string, a number, true/false or a list of strings.`)
  }
  return out
}

const KEY_LINE = /^([A-Za-z][\w-]*)\s*:(?:\s+(.*))?$/

function parseYaml(text: string, file: string): Record<string, string> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  const out: Record<string, string> = {}
  const at = (n: number, why: string) => new UsageError(`${file}:${n + 1}: ${why}`)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (isBlank(line) || line === '---') continue
    if (/^\s/.test(line)) throw at(i, 'unexpected indentation: each input goes on its own line as `name: value`, at the start of the line.')
    const m = KEY_LINE.exec(line.trimEnd())
    if (!m) throw at(i, 'expected `name: value` (a JSON object, or `name: value` lines, are the supported forms).')
    const key = m[1]!
    if (Object.hasOwn(out, key)) throw at(i, `\`${key}\` is given twice.`)
    const rest = stripComment(m[2] ?? '').trim()
    if (rest === '|' || rest === '|-' || rest === '|+') {
      const block: string[] = []
      let indent: number | undefined
      while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' || /^\s/.test(lines[i + 1]!))) {
        const next = lines[++i]!
        if (next.trim() !== '') indent ??= next.length - next.trimStart().length
        block.push(next.slice(Math.min(indent ?? 0, next.length - next.trimStart().length)))
      }
      out[key] = block.join('\n').replace(/\n+$/, '')
    } else if (rest === '') {
      const items: string[] = []
      while (i + 1 < lines.length && (isBlank(lines[i + 1]!) || /^\s+-(\s|$)/.test(lines[i + 1]!))) {
        const next = lines[++i]!
        if (isBlank(next)) continue
        items.push(scalar(stripComment(next.trim().slice(1)).trim(), () => at(i, 'a quoted value is not closed.')))
      }
      out[key] = items.join('\n')
    } else if (rest.startsWith('[') || rest.startsWith('{') || rest.startsWith('>') || rest.startsWith('&') || rest.startsWith('*')) {
      throw at(i, `\`${key}\`: only plain or quoted values, \`|\` blocks and \`- item\` lists are supported.`)
    } else {
      out[key] = scalar(rest, () => at(i, 'a quoted value is not closed.'))
    }
  }
  return out
}

function isBlank(line: string): boolean {
  const t = line.trim()
  return t === '' || t.startsWith('#')
}

/** ` #` starts a comment outside quotes, as in YAML. */
function stripComment(value: string): string {
  if (value.startsWith('"') || value.startsWith("'")) {
    const close = closingQuote(value)
    return close < 0 ? value : value.slice(0, close + 1)
  }
  const hash = value.search(/(^|\s)#/)
  return hash < 0 ? value : value.slice(0, hash)
}

function closingQuote(value: string): number {
  const q = value[0]
  for (let i = 1; i < value.length; i++) {
    if (q === '"' && value[i] === '\\') i++
    else if (value[i] === q) {
      if (q === "'" && value[i + 1] === "'") i++
      else return i
    }
  }
  return -1
}

function scalar(value: string, unclosed: () => UsageError): string {
  if (value.startsWith('"')) {
    if (closingQuote(value) !== value.length - 1) throw unclosed()
    try {
      return JSON.parse(value) as string
    } catch {
      throw unclosed()
    }
  }
  if (value.startsWith("'")) {
    if (closingQuote(value) !== value.length - 1) throw unclosed()
    return value.slice(1, -1).replace(/''/g, "'")
  }
  return value
}
