/**
 * Runs the bundled command line (`node dist/cli/index.js`, what `npx knowledge-sync` starts) in a
 * directory, with only the environment given, and reads back its exit code and both streams.
 */
import { resolve } from 'node:path'
import { runBundle } from './run-bundle.ts'

/** The bundle under test; KS_CLI_ENTRY points at a private build while developing. */
export const CLI_ENTRY = process.env.KS_CLI_ENTRY ?? resolve(import.meta.dirname, '../../dist/cli/index.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  /** stdout + stderr. */
  log: string
}

export async function runCli(cwd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 90_000): Promise<CliResult> {
  const { code, stdout, stderr } = await runBundle(CLI_ENTRY, args, {
    cwd,
    // No GITHUB_* and no CI runner variables: a laptop or another CI system.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, KS_HTTP_BACKOFF_MS: '20', ...env },
    timeoutMs,
    what: `knowledge-sync ${args.join(' ')}`
  })
  return { code, stdout, stderr, log: `${stdout}\n${stderr}` }
}
