/**
 * The command line, start to end: arguments, then the inputs through the action's own
 * validation, then the command. Returns the exit code (0 ok, 1 failed, 2 bad input); the only
 * place that turns an error into one.
 */
import { access } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { ChangeSet } from '../changes/types.js'
import { ActionError, errorMessage } from '../errors.js'
import { git } from '../git.js'
import { INPUT_SPECS, readSettings } from '../inputs.js'
import type { Log } from '../log.js'
import { announceSecretsToRunner } from '../secrets.js'
import type { Settings } from '../settings.js'
import { type CliArgs, parseArgs } from './args.js'
import { askCommand } from './ask.js'
import { readConfigFile } from './config.js'
import { doctorCommand } from './doctor.js'
import { commandHelp, mainHelp } from './help.js'
import { type CliIo, cliLog, printJson, printLine, ProgressBar } from './output.js'
import { changesSince, cliRunContext, type RepoFacts, repoFacts, resolveCommit } from './repo.js'
import { CLI_FIX_HINTS, cliInputReader } from './sources.js'
import { printSync, syncCommand, syncExitCode } from './sync.js'
import { UsageError } from './usage.js'

export const DEFAULT_CONFIG = '.knowledge-sync.yml'

export interface MainOptions {
  io: CliIo
  env: NodeJS.ProcessEnv
  cwd: string
}

export async function main(argv: readonly string[], o: MainOptions): Promise<number> {
  // No runner reads `::add-mask::` here, and printing it would print the secret.
  announceSecretsToRunner(false)
  let json = argv.includes('--json')
  try {
    const args = parseArgs(argv, INPUT_SPECS)
    json = args.json
    if (args.help) {
      o.io.stdout.write(args.command ? commandHelp(args.command, INPUT_SPECS) : mainHelp(INPUT_SPECS))
      return 0
    }
    if (!args.command) {
      o.io.stderr.write(mainHelp(INPUT_SPECS))
      throw new UsageError('Give a command: plan, sync, doctor or ask.')
    }
    return await runCommand(args, o)
  } catch (error) {
    const bad = error instanceof UsageError || error instanceof InputError
    const message = errorMessage(error instanceof InputError ? error.cause : error)
    printLine(o.io.stderr, `knowledge-sync: ${message}`)
    const code = bad ? 2 : 1
    if (json) printJson(o.io.stdout, { ok: false, exit_code: code, error: message })
    return code
  }
}

/** readSettings' ActionError, told apart from the ActionErrors a run throws (which exit 1). */
class InputError extends Error {
  constructor(cause: ActionError) {
    super(errorMessage(cause), { cause })
  }
}

async function runCommand(args: CliArgs, o: MainOptions): Promise<number> {
  const command = args.command!
  const facts = await repoFacts(o.cwd)
  // The doctor touches no docs, so it also runs outside a clone (given a namespace).
  if (!facts && command !== 'doctor') {
    throw new UsageError(
      `${o.cwd} is not inside a git clone. Run knowledge-sync in the repository whose docs you sync: the docs, their changes and whose they are all come from git.`
    )
  }
  if (command === 'ask' && args.since === undefined) throw new UsageError("`ask` needs `--since <ref>`: the agent is asked about the docs' diff <ref>..HEAD.")
  if (command === 'doctor' && args.since !== undefined) throw new UsageError('`doctor` syncs nothing, so it takes no `--since`.')

  const configPath = args.config ? resolve(o.cwd, args.config) : join(facts?.workspace ?? o.cwd, DEFAULT_CONFIG)
  const config = args.config || (await exists(configPath)) ? { path: args.config ?? DEFAULT_CONFIG, values: await readConfigFile(configPath) } : undefined
  const reader = await cliInputReader({ command, args, env: o.env, config, specs: INPUT_SPECS })
  let settings: Settings
  try {
    settings = readSettings(reader, 'cli', CLI_FIX_HINTS)
  } catch (error) {
    if (error instanceof ActionError) throw new InputError(error)
    throw error
  }
  if (command === 'ask' && !settings.agentId) throw new UsageError('`ask` needs `agent-id` (`--agent-id <id>`, KNOWLEDGE_SYNC_AGENT_ID or the config file).')
  if (!facts?.origin && !settings.namespace) {
    throw new UsageError(
      `No \`origin\` remote names the repository, so it is not known whose docs these are in the store. Pass \`--namespace <owner/name>\` (the repository's name), or add the remote.`
    )
  }

  const run = cliRunContext(facts, o.cwd, settings.namespace)
  const progress = o.io.stderr.isTTY ? new ProgressBar(o.io.stderr) : undefined
  const log = cliLog(o.io.stderr, { verbose: args.verbose, progress })
  if (facts) await warnUncommitted(facts, log)
  if (command === 'doctor') return doctorCommand(settings, run, log, o.io, args.json)

  const base = args.since === undefined ? undefined : await resolveCommit(facts!.workspace, args.since)
  const detect = base ? changesSince(facts!.workspace, args.since!, base, facts!.head, log) : everyDoc
  if (command === 'ask') return askCommand({ settings, run, log, io: o.io, json: args.json, base: base!, detect: detect! })
  const result = await syncCommand({ command, settings, run, log, io: o.io, json: args.json, detect, progress })
  printSync(o.io, command, result.report, args.json, log)
  return syncExitCode(result.report)
}

const everyDoc = async (): Promise<ChangeSet> => ({ kind: 'full', reason: 'no --since, so every doc is reconciled with the store' })

/**
 * The docs are read from the working tree while the diff and the namespace come from commits: say
 * so when they differ, since the store would then hold text no commit has.
 */
async function warnUncommitted(facts: RepoFacts, log: Log): Promise<void> {
  const status = await git(facts.workspace, ['status', '--porcelain', '--untracked-files=no'])
  if (status.ok && status.stdout.trim() !== '')
    log.warning('The working tree has uncommitted changes: docs are read as they are on disk, which may differ from HEAD.')
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false
  )
}
