/**
 * The command line's arguments: a command, the CLI's own options, and action inputs as
 * `--<input> <value>` flags. Secrets are refused here, before their value is kept anywhere: a
 * flag lands in shell history and in every process listing on the machine.
 */
import type { InputSpec } from '../input-kinds.js'
import { envName, UsageError } from './usage.js'

export const COMMANDS = ['plan', 'sync', 'doctor', 'ask'] as const
export type Command = (typeof COMMANDS)[number]

export interface CliArgs {
  command?: Command
  help: boolean
  json: boolean
  verbose: boolean
  /** `--since <ref>`: diff <ref>..HEAD instead of reconciling every doc. */
  since?: string
  /** `--config <file>`: instead of .knowledge-sync.yml at the repository's top level. */
  config?: string
  /** Inputs given as flags, by input name; a repeated flag (`--paths a --paths b`) keeps each value, as lines. */
  flags: Map<string, string[]>
  /** `--<secret>-file <path>`, by input name. */
  secretFiles: Map<string, string>
}

const VALUE_OPTIONS = new Set(['since', 'config'])
const SWITCHES = new Set(['help', 'json', 'verbose'])

export function parseArgs(argv: readonly string[], specs: readonly InputSpec[]): CliArgs {
  const byName = new Map(specs.map((s) => [s.name, s]))
  const args: CliArgs = { help: false, json: false, verbose: false, flags: new Map(), secretFiles: new Map() }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '-h') {
      args.help = true
      continue
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`Unknown option \`${arg}\`. Run \`knowledge-sync --help\` for the options.`)
      if (args.command !== undefined) throw new UsageError(`Unexpected argument "${arg}": give one command (${COMMANDS.join(', ')}), then options.`)
      if (!(COMMANDS as readonly string[]).includes(arg)) throw new UsageError(`Unknown command "${arg}". The commands are: ${COMMANDS.join(', ')}.`)
      args.command = arg as Command
      continue
    }
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq < 0 ? undefined : eq)
    const inline = eq < 0 ? undefined : arg.slice(eq + 1)
    // Before the value is taken: a refused secret must not be read, echoed or kept.
    const spec = byName.get(name)
    if (spec?.secret) throw secretFlag(name)
    const value = (): string => {
      if (inline !== undefined) return inline
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) throw new UsageError(`\`--${name}\` needs a value: \`--${name} <value>\` or \`--${name}=<value>\`.`)
      i++
      return next
    }
    if (SWITCHES.has(name)) {
      if (inline !== undefined) throw new UsageError(`\`--${name}\` takes no value.`)
      args[name as 'help' | 'json' | 'verbose'] = true
    } else if (VALUE_OPTIONS.has(name)) {
      args[name as 'since' | 'config'] = value()
    } else if (spec) {
      args.flags.set(name, [...(args.flags.get(name) ?? []), value()])
    } else if (name.endsWith('-file') && byName.get(name.slice(0, -'-file'.length))?.secret) {
      args.secretFiles.set(name.slice(0, -'-file'.length), value())
    } else {
      throw new UsageError(
        `Unknown option \`--${name}\`. Run \`knowledge-sync --help\` for the options and \`knowledge-sync <command> --help\` for the inputs.`
      )
    }
  }
  return args
}

/** The refusal names where the secret goes instead, never the value. */
export function secretFlag(name: string): UsageError {
  return new UsageError(
    `\`--${name}\` is a secret and is not taken as a flag: it would be kept in your shell history and shown in the process list. ` +
      `Set the environment variable ${envName(name)}, or put it in a file and pass \`--${name}-file <path>\`.`
  )
}
