/**
 * The docs' diff between the PR's base and head, for the prompt. Computed with git argument
 * arrays (no shell) in the checked-out workspace, and only when both commits are present: a
 * shallow checkout usually lacks the base, and we do not fetch on the user's behalf.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { safeCutIndex } from './sanitize.js'

const exec = promisify(execFile)

export const DIFF_MAX_CHARS = 20_000
const SHA = /^[0-9a-f]{7,64}$/i
/** Beyond this many paths we let git diff everything and rely on the cap. */
const MAX_PATH_ARGS = 500

export async function docsDiff(
  workspace: string,
  base: string | undefined,
  head: string | undefined,
  paths: readonly string[],
  max = DIFF_MAX_CHARS
): Promise<{ text: string; available: boolean; reason?: string }> {
  if (!base || !head || !SHA.test(base) || !SHA.test(head)) return unavailable('the base or head commit is unknown for this event')
  if (paths.length === 0) return unavailable('no doc changed')
  for (const sha of [base, head]) {
    const ok = await exec('git', ['cat-file', '-e', `${sha}^{commit}`], { cwd: workspace }).then(
      () => true,
      () => false
    )
    if (!ok)
      return unavailable(`commit ${sha.slice(0, 12)} is not in the checkout (check out with actions/checkout fetch-depth: 2 or more to include the diff)`)
  }
  const pathArgs = paths.length <= MAX_PATH_ARGS ? ['--', ...paths] : []
  let out: string
  try {
    ;({ stdout: out } = await exec(
      'git',
      ['--literal-pathspecs', 'diff', '--no-color', '--no-ext-diff', '--no-textconv', '--find-renames', base, head, ...pathArgs],
      {
        cwd: workspace,
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8'
      }
    ))
  } catch (error) {
    const partial = (error as { stdout?: string }).stdout
    if (typeof partial !== 'string' || partial === '') return unavailable('git diff failed')
    out = partial
  }
  if (out.trim() === '') return { text: '(no textual difference in the docs)', available: true }
  if (out.length <= max) return { text: out, available: true }
  let cut = out.lastIndexOf('\n', max)
  if (cut < max / 2) cut = max
  cut = safeCutIndex(out, cut)
  return { text: `${out.slice(0, cut)}\n… (diff cut at ${max} characters; ${out.length - cut} more not shown)`, available: true }
}

function unavailable(reason: string) {
  return { text: `(diff unavailable: ${reason})`, available: false, reason }
}
