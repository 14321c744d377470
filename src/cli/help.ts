/**
 * `--help`, built from the same input definitions readSettings validates (names, defaults, which
 * are secrets) and action.yml's descriptions (src/cli/input-docs.ts, generated; a test checks the
 * two sources agree), so the help cannot drift from what is accepted.
 */
import type { InputSpec } from '../input-kinds.js'
import type { Command } from './args.js'
import { INPUT_DOCS } from './input-docs.js'
import { NOT_FOR_THE_CLI } from './sources.js'
import { envName } from './usage.js'

const WIDTH = 100

const ABOUT: Record<Command, { summary: string; detail: string }> = {
  plan: {
    summary: 'Dry run: print what a sync would upload, replace and delete. Writes nothing.',
    detail: 'Reads the store and plans, exactly as `sync` would, then stops. Creates no store.'
  },
  sync: {
    summary: 'Sync the docs into the store: uploads first, deletions only when every upload succeeded.',
    detail:
      'Without --since every doc matching `paths` is reconciled with the store (unchanged docs are skipped by digest). ' +
      'With --since <ref> only the files changed in <ref>..HEAD are synced; give the commit the store was last synced from.'
  },
  doctor: {
    summary: "Check the vendor's behaviour with one canary doc that is removed again; exit 1 when an assumption did not hold.",
    detail: "Syncs nothing. Prints the compatibility report (--json: the action's `doctor-report` document)."
  },
  ask: {
    summary: "Ask the StackSpot agent about the docs' diff <since>..HEAD and print its answer.",
    detail: 'Needs --since, `vendor: stackspot` and `agent-id`. Plans the change first (a dry run) so the prompt says what syncing would do. Comments nowhere.'
  }
}

export function mainHelp(specs: readonly InputSpec[]): string {
  const lines = [
    'Usage: knowledge-sync <command> [options] [--<input> <value> ...]',
    '',
    'Keeps an AI knowledge store (StackSpot, Staffify, Telzino, Castrel) in step with the docs in this git',
    'repository: the command-line front end of the Knowledge Sync GitHub Action, with the same inputs.',
    '',
    'Commands:',
    ...Object.entries(ABOUT).map(([name, a]) => row(`  ${name}`, a.summary, 12)),
    '',
    ...optionsHelp(),
    '',
    ...sourcesHelp(specs),
    '',
    'Run `knowledge-sync <command> --help` for every input with its description and default.',
    '',
    ...exitCodesHelp()
  ]
  return `${lines.join('\n')}\n`
}

export function commandHelp(command: Command, specs: readonly InputSpec[]): string {
  const about = ABOUT[command]
  const inputs = specs.filter((s) => !NOT_FOR_THE_CLI[s.name])
  const lines = [
    `Usage: knowledge-sync ${command} ${command === 'ask' ? '--since <ref> ' : ''}[options] [--<input> <value> ...]`,
    '',
    ...wrap(about.summary, WIDTH),
    ...wrap(about.detail, WIDTH),
    '',
    ...optionsHelp(),
    '',
    'Inputs (the action.yml inputs; flag, then environment variable):',
    ...inputs.flatMap((s) => inputHelp(s)),
    '',
    ...sourcesHelp(specs),
    `Not taken here (the command decides, or they only mean something in a workflow): ${Object.keys(NOT_FOR_THE_CLI).join(', ')}.`,
    '',
    ...exitCodesHelp()
  ]
  return `${lines.join('\n')}\n`
}

function optionsHelp(): string[] {
  return [
    'Options:',
    row('  --since <ref>', 'Sync only <ref>..HEAD (a commit, tag or branch the store was last synced from); without it, every doc.', 20),
    row('  --config <file>', 'Read inputs from this file instead of .knowledge-sync.yml at the top of the repository.', 20),
    row('  --json', 'Print the plan, result, report or answer as one JSON document on stdout; logs stay on stderr.', 20),
    row('  --verbose', 'Print debug lines too.', 20),
    row('  -h, --help', 'This help.', 20)
  ]
}

function sourcesHelp(specs: readonly InputSpec[]): string[] {
  const secrets = specs.filter((s) => s.secret && !NOT_FOR_THE_CLI[s.name]).map((s) => s.name)
  return wrap(
    'Where inputs come from, highest first: a flag (`--api-url <url>`; repeat a flag for several lines, e.g. `--paths`), ' +
      'the environment (KNOWLEDGE_SYNC_API_URL), the config file (`api-url: <url>`; YAML `name: value` lines or JSON), then the default. ' +
      `Secrets (${secrets.join(', ')}) come only from the environment or \`--<name>-file <path>\`: a flag would stay in the shell history, ` +
      'a config file is easily committed. Secrets are masked in everything printed. The workspace is the top of the git clone; `paths` are relative to it. ' +
      "The namespace (whose docs these are in the store) defaults to the `origin` remote's owner/name.",
    WIDTH
  )
}

function exitCodesHelp(): string[] {
  return [
    'Exit codes:',
    '  0  ok',
    '  1  failed: a doc or the run failed, or (doctor) an assumption did not hold',
    '  2  bad input: an unknown or invalid option, input or config file'
  ]
}

function inputHelp(spec: InputSpec): string[] {
  const doc = INPUT_DOCS[spec.name]
  const flag = spec.secret ? `--${spec.name}-file <path>` : `--${spec.name} <value>`
  const def = spec.default ? ` Default: ${spec.default}.` : ''
  const secret = spec.secret ? ' Secret: only from the environment or a file.' : ''
  return [`  ${flag}   (${envName(spec.name)})`, ...wrap(`${doc?.description ?? ''}${def}${secret}`, WIDTH - 6).map((l) => `      ${l}`)]
}

function row(left: string, text: string, column: number): string {
  const [first = '', ...rest] = wrap(text, WIDTH - column)
  const pad = left.length < column ? left.padEnd(column) : `${left}\n${' '.repeat(column)}`
  return [`${pad}${first}`, ...rest.map((l) => ' '.repeat(column) + l)].join('\n')
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines
}
