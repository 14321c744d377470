/**
 * Starts one of the project's bundles (`node <entry> …`) the way its users do, collects both
 * streams and the exit code. Shared by run-action.ts (the runner's way) and run-cli.ts.
 */
import { spawn } from 'node:child_process'

export interface BundleRun {
  code: number | null
  stdout: string
  stderr: string
}

export interface BundleOptions {
  cwd: string
  /** The whole environment: nothing is inherited. */
  env: Record<string, string>
  /** SIGKILL after this long; the run rejects with "<what> timed out". */
  timeoutMs: number
  /** Names the run in errors: `action`, `knowledge-sync plan`… */
  what: string
  /** SIGKILL once this turns true (checked every 20 ms); the run rejects with "<what> killed by the test". */
  killWhen?: () => boolean
}

export function runBundle(entry: string, args: readonly string[], opts: BundleOptions): Promise<BundleRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const stop = (why: string) => {
      child.kill('SIGKILL')
      reject(new Error(`${opts.what} ${why}\n${out}\n${err}`))
    }
    const timer = setTimeout(() => stop(`timed out after ${opts.timeoutMs} ms`), opts.timeoutMs)
    const killWhen = opts.killWhen
    const watch = killWhen
      ? setInterval(() => {
          if (killWhen()) stop('killed by the test')
        }, 20)
      : undefined
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      clearInterval(watch)
      resolvePromise({ code, stdout: out, stderr: err })
    })
  })
}
