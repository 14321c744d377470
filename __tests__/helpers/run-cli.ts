/**
 * Runs the bundled command line (`node dist/cli/index.js`, what `npx knowledge-sync` starts) in a
 * directory, with only the environment given, and reads back its exit code and both streams.
 */
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'

/** The bundle under test; KS_CLI_ENTRY points at a private build while developing. */
export const CLI_ENTRY = process.env.KS_CLI_ENTRY ?? resolve(import.meta.dirname, '../../dist/cli/index.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  /** stdout + stderr. */
  log: string
}

export function runCli(cwd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 90_000): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
      cwd,
      // No GITHUB_* and no CI runner variables: a laptop or another CI system.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, KS_HTTP_BACKOFF_MS: '20', ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`knowledge-sync ${args.join(' ')} timed out after ${timeoutMs} ms\n${out}\n${err}`))
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise({ code, stdout: out, stderr: err, log: `${out}\n${err}` })
    })
  })
}
