/**
 * Runs the bundled action the way the GitHub runner does: `node dist/index.js` with inputs as
 * INPUT_* variables, the event payload in GITHUB_EVENT_PATH, and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY
 * files, then reads back what a user would see.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { runBundle } from './run-bundle.ts'

/** The bundle under test; KS_ACTION_ENTRY points at a private build while developing. */
export const ACTION_ENTRY = process.env.KS_ACTION_ENTRY ?? resolve(import.meta.dirname, '../../dist/index.js')

export interface RunOptions {
  /** Inputs by their action.yml names (`knowledge-base`, `api-key`…). */
  inputs: Record<string, string>
  /** GITHUB_WORKSPACE: the checked-out repository. */
  workspace: string
  eventName: string
  payload: object
  /** `owner/name`; default taken from the payload. */
  repository?: string
  /** GITHUB_SHA; default: the PR's head or the push's after, else the workspace's HEAD (what actions/checkout checked out). */
  sha?: string
  /** GITHUB_RUN_ID; default 4242. */
  runId?: string
  /** The workflow file GITHUB_WORKFLOW_REF names; default `knowledge-sync.yml`. */
  workflowFile?: string
  /** Base URL of a running emulator: sets GITHUB_API_URL to its /github. */
  emulatorUrl?: string
  env?: Record<string, string>
  timeoutMs?: number
  /**
   * Kills the action (SIGKILL, as a cancelled or crashed runner would) once this turns true, checked
   * every 20 ms; the run then rejects with "killed". For crash tests: kill at a known point (a
   * fault was hit), however slow the machine is.
   */
  killWhen?: () => boolean
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
  /** stdout + stderr. */
  log: string
  outputs: Record<string, string>
  summary: string
  /** The file the `plan-file` output names, read before its RUNNER_TEMP is removed. */
  planFile?: string
}

export async function runAction(opts: RunOptions): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'ks-run-'))
  try {
    const eventPath = join(dir, 'event.json')
    const outputPath = join(dir, 'output')
    const summaryPath = join(dir, 'summary.md')
    await writeFile(eventPath, JSON.stringify(opts.payload))
    await writeFile(outputPath, '')
    await writeFile(summaryPath, '')
    const payload = opts.payload as Record<string, any>
    const repository = opts.repository ?? payload.repository?.full_name ?? 'octo/docs'
    // A pull request's GITHUB_SHA is a commit the checkout holds (its merge commit); its payload's `after` is the example's.
    const sha = opts.sha ?? payload.pull_request?.head?.sha ?? payload.after ?? (await headOf(opts.workspace)) ?? '0'.repeat(40)
    const ref = payload.ref ?? 'refs/heads/main'
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_WORKSPACE: opts.workspace,
      GITHUB_EVENT_NAME: opts.eventName,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      GITHUB_REPOSITORY: repository,
      GITHUB_REPOSITORY_OWNER: repository.split('/')[0]!,
      GITHUB_SHA: sha,
      GITHUB_REF: ref,
      GITHUB_WORKFLOW_REF: `${repository}/.github/workflows/${opts.workflowFile ?? 'knowledge-sync.yml'}@${ref}`,
      GITHUB_RUN_ID: opts.runId ?? '4242',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTOR: 'octocat',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: opts.emulatorUrl ? `${opts.emulatorUrl}/github` : 'http://127.0.0.1:9/github',
      GITHUB_GRAPHQL_URL: opts.emulatorUrl ? `${opts.emulatorUrl}/github/graphql` : 'http://127.0.0.1:9/graphql',
      RUNNER_TEMP: dir,
      RUNNER_OS: 'Linux',
      KS_HTTP_BACKOFF_MS: '20',
      ...opts.env
    }
    for (const [name, value] of Object.entries(opts.inputs)) {
      env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
    }
    const { code, stdout, stderr } = await runBundle(ACTION_ENTRY, [], {
      cwd: opts.workspace,
      env,
      timeoutMs: opts.timeoutMs ?? 60_000,
      what: 'action',
      killWhen: opts.killWhen
    })
    const outputs = parseOutputs(await readFile(outputPath, 'utf8'))
    return {
      code,
      stdout,
      stderr,
      log: `${stdout}\n${stderr}`,
      outputs,
      summary: await readFile(summaryPath, 'utf8'),
      planFile: outputs['plan-file'] ? await readFile(outputs['plan-file'], 'utf8').catch(() => undefined) : undefined
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The commit checked out in `dir`, or undefined when it is no git work tree. */
function headOf(dir: string): Promise<string | undefined> {
  return new Promise((resolvePromise) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd: dir }, (error, stdout) => resolvePromise(error ? undefined : String(stdout).trim()))
  })
}

/** Parses the GITHUB_OUTPUT file format (`name<<DELIM\nvalue\nDELIM`). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!)
    if (m) {
      const [, name, delim] = m
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!)
      out[name!] = value.join('\n')
    } else {
      const eq = lines[i]!.indexOf('=')
      if (eq > 0) out[lines[i]!.slice(0, eq)] = lines[i]!.slice(eq + 1)
    }
  }
  return out
}
