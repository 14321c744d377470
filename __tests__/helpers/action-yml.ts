/**
 * Reads the inputs and outputs of action.yml. Our action.yml is plain two-level YAML, so a line
 * reader is enough and keeps a YAML library out of the dependencies.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

export interface ActionField {
  name: string
  description: string
  required: boolean
  default?: string
}

function unquote(v: string): string {
  const t = v.trim()
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) {
    return t.startsWith('"') ? (JSON.parse(t) as string) : t.slice(1, -1)
  }
  return t
}

export function readActionYml(path = resolve(import.meta.dirname, '../../action.yml')): {
  inputs: ActionField[]
  outputs: ActionField[]
  using: string
  main: string
} {
  const lines = readFileSync(path, 'utf8').split('\n')
  const inputs: ActionField[] = []
  const outputs: ActionField[] = []
  let section: ActionField[] | undefined
  let current: ActionField | undefined
  let using = ''
  let main = ''
  for (const line of lines) {
    if (/^inputs:\s*$/.test(line)) section = inputs
    else if (/^outputs:\s*$/.test(line)) section = outputs
    else if (/^\S/.test(line)) section = undefined
    const field = /^ {2}([\w-]+):\s*$/.exec(line)
    if (section && field) {
      current = { name: field[1]!, description: '', required: false }
      section.push(current)
      continue
    }
    const prop = /^ {4}(description|required|default):\s*(.*)$/.exec(line)
    if (section && current && prop) {
      const value = unquote(prop[2]!)
      if (prop[1] === 'description') current.description = value
      if (prop[1] === 'required') current.required = value === 'true'
      if (prop[1] === 'default') current.default = value
    }
    const u = /^ {2}using:\s*(.*)$/.exec(line)
    if (u) using = unquote(u[1]!)
    const m = /^ {2}main:\s*(.*)$/.exec(line)
    if (m) main = unquote(m[1]!)
  }
  return { inputs, outputs, using, main }
}
