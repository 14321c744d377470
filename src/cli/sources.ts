/**
 * Where the command line finds each action input, highest first: a `--<input>` flag, the
 * environment (`KNOWLEDGE_SYNC_<INPUT>`), the config file, then action.yml's default (which
 * readSettings fills in). Secrets come only from the environment or a `--<input>-file`.
 * The result is an InputReader, so the action's one validation (readSettings) checks it all.
 */
import { readFile } from 'node:fs/promises'
import type { InputSpec } from '../input-kinds.js'
import type { InputFixHints, InputReader } from '../inputs.js'
import type { CliArgs, Command } from './args.js'
import { envName, UsageError } from './usage.js'

/**
 * Action inputs that the command decides, or that only mean something in a GitHub workflow. They
 * are refused as flags and config keys (and ignored in the environment), saying why.
 */
export const NOT_FOR_THE_CLI: Readonly<Record<string, string>> = {
  mode: 'the command chooses it: `plan` or `sync` (with `--since <ref>` for a diff, else every doc), or `doctor`',
  'dry-run': '`plan` is the dry run and `sync` writes',
  comment: '`ask` prints the answer and comments nowhere',
  'comment-key': '`ask` prints the answer and comments nowhere',
  'agent-trusted-associations': 'it filters pull request reviews, which the command line does not read',
  'github-token': 'the command line reads changes from git and needs no GitHub API'
}

export const CLI_FIX_HINTS: InputFixHints = {
  addVendor: (first, others) =>
    `Pass \`--vendor ${first}\` (or ${others.join(', ')}), set ${envName('vendor')}, or add \`vendor: ${first}\` to .knowledge-sync.yml.`,
  fix: 'Fix the flags, the KNOWLEDGE_SYNC_* environment variables or the config file; secrets come from the environment or a --<name>-file.'
}

export interface SourceOptions {
  command: Command
  args: CliArgs
  env: NodeJS.ProcessEnv
  /** The config file's values, by input name, and its path for messages. */
  config?: { path: string; values: Record<string, string> }
  specs: readonly InputSpec[]
}

/**
 * Checks every source against the input definitions and returns the reader. Throws a UsageError
 * for a secret in the config file, an unknown key, an input the command decides, or a secret file
 * that cannot be read.
 */
export async function cliInputReader(o: SourceOptions): Promise<InputReader> {
  const byName = new Map(o.specs.map((s) => [s.name, s]))
  const problems: string[] = []
  for (const name of o.args.flags.keys()) {
    if (NOT_FOR_THE_CLI[name]) problems.push(`\`--${name}\` is an action input the command line does not take: ${NOT_FOR_THE_CLI[name]}.`)
  }
  const config = o.config?.values ?? {}
  for (const key of Object.keys(config)) {
    const spec = byName.get(key)
    if (!spec) problems.push(`${o.config!.path}: \`${key}\` is not an input. The inputs are the names in action.yml (\`knowledge-sync ${o.command} --help\`).`)
    else if (spec.secret)
      problems.push(
        `${o.config!.path}: \`${key}\` is a secret and is not read from a config file, which is easily committed. ` +
          `Set the environment variable ${envName(key)}, or pass \`--${key}-file <path>\`.`
      )
    else if (NOT_FOR_THE_CLI[key]) problems.push(`${o.config!.path}: \`${key}\` is an action input the command line does not take: ${NOT_FOR_THE_CLI[key]}.`)
  }
  const fromFiles = new Map<string, string>()
  for (const [name, path] of o.args.secretFiles) {
    try {
      // A trailing newline is how editors and `echo` end a file, never part of a credential.
      fromFiles.set(name, (await readFile(path, 'utf8')).replace(/\r?\n$/, ''))
    } catch (error) {
      problems.push(`\`--${name}-file\`: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`)
    }
  }
  if (problems.length > 0) throw new UsageError(problems.length === 1 ? problems[0]! : `Invalid inputs:\n${problems.map((p) => `  - ${p}`).join('\n')}`)

  const decided = decidedByCommand(o.command, o.args.since !== undefined)
  return (name) => {
    if (Object.hasOwn(decided, name)) return decided[name]!
    if (NOT_FOR_THE_CLI[name]) return ''
    const flag = o.args.flags.get(name)
    if (flag) return flag.join('\n')
    const file = fromFiles.get(name)
    if (file !== undefined) return file
    const env = o.env[envName(name)]
    if (env !== undefined && env !== '') return env
    if (byName.get(name)?.secret) return ''
    return config[name] ?? ''
  }
}

/** The inputs each command sets itself. */
function decidedByCommand(command: Command, since: boolean): Record<string, string> {
  const mode = command === 'doctor' ? 'doctor' : since ? 'changed' : 'full'
  const dryRun = command === 'sync' || command === 'doctor' ? 'false' : 'true'
  return { mode, 'dry-run': dryRun, comment: 'false', 'github-token': '' }
}
