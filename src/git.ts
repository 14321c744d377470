/** Read-only git in the workspace, with argument lists only: no shell, no prompt, no lock, no pager. */
import { execFile } from 'node:child_process'

export type GitResult = { ok: true; stdout: string } | { ok: false; error: string; code?: number | string }

export function git(cwd: string, args: string[]): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      {
        cwd,
        encoding: 'utf8',
        maxBuffer: 512 * 1024 * 1024,
        timeout: 120_000,
        // Never prompt, never take a lock, never let a repo-level pager or editor run.
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', GIT_PAGER: 'cat', LC_ALL: 'C' }
      },
      (error, stdout, stderr) => {
        if (error)
          resolve({
            ok: false,
            error: `${error.message}${stderr ? `: ${String(stderr).trim()}` : ''}`,
            code: (error as NodeJS.ErrnoException).code ?? undefined
          })
        else resolve({ ok: true, stdout: String(stdout) })
      }
    )
  })
}

/** True when git itself could not be run (not installed, or the directory does not exist). */
export function gitMissing(result: GitResult): boolean {
  return !result.ok && result.code === 'ENOENT'
}
