/** The parts of @actions/github's `context` we read (its class is not exported). */
export interface GithubContextLike {
  eventName: string
  sha: string
  /** GITHUB_RUN_ID (NaN when unset, as @actions/github reads it). */
  runId?: number
  payload: Record<string, unknown>
  serverUrl: string
  apiUrl: string
  repo: { owner: string; repo: string }
  /** GITHUB_WORKFLOW and GITHUB_JOB (`context.workflow`, `context.job`). */
  workflow?: string
  job?: string
}

/** The facts about the run the pipeline needs, as plain data (tests build it by hand). */
export interface RunContext {
  readonly eventName: string
  readonly owner: string
  readonly repo: string
  /** `owner/name`. */
  readonly repository: string
  /** The commit being synced (GITHUB_SHA, or the PR head for PR events). */
  readonly sha: string
  /** GITHUB_SHA: the commit the workflow runs on (a PR's merge commit), which actions/checkout checks out. */
  readonly eventSha: string
  /** GITHUB_RUN_ID: this workflow run; undefined when unknown. */
  readonly runId?: number
  readonly workspace: string
  readonly serverUrl: string
  readonly apiUrl: string
  /** The raw webhook payload. */
  // biome-ignore lint/suspicious/noExplicitAny: webhook payloads are untyped JSON; each field is checked where it is read
  readonly payload: Record<string, any>
  /** Set on pull_request*, pull_request_review* events. */
  readonly pullRequest?: {
    readonly number: number
    readonly title: string
    readonly body: string
    readonly headSha: string
    readonly baseSha: string
    /** True when the head branch lives in another repository (a fork). */
    readonly fromFork: boolean
  }
  /** The review body on pull_request_review events. */
  readonly reviewBody?: string
  /** GITHUB_WORKFLOW_REF (`owner/repo/.github/workflows/x.yml@ref`), GITHUB_WORKFLOW and GITHUB_JOB: who owns the PR comment. */
  readonly workflowRef?: string
  readonly workflow?: string
  readonly job?: string
}

export function toRunContext(ctx: GithubContextLike, workspace: string, env: NodeJS.ProcessEnv = process.env): RunContext {
  // biome-ignore lint/suspicious/noExplicitAny: as above, untyped webhook JSON
  const payload = (ctx.payload ?? {}) as Record<string, any>
  const { owner, repo } = ctx.repo
  // biome-ignore lint/suspicious/noExplicitAny: as above, untyped webhook JSON
  const pr = payload.pull_request as Record<string, any> | undefined
  const headRepo: string | undefined = pr?.head?.repo?.full_name
  const baseRepo: string = pr?.base?.repo?.full_name ?? `${owner}/${repo}`
  return {
    eventName: ctx.eventName,
    owner,
    repo,
    repository: `${owner}/${repo}`,
    sha: pr?.head?.sha ?? ctx.sha,
    eventSha: ctx.sha,
    runId: Number.isSafeInteger(ctx.runId) && ctx.runId! > 0 ? ctx.runId : undefined,
    workspace,
    serverUrl: ctx.serverUrl,
    apiUrl: ctx.apiUrl,
    payload,
    pullRequest: pr
      ? {
          number: Number(pr.number ?? payload.number),
          title: String(pr.title ?? ''),
          body: String(pr.body ?? ''),
          headSha: String(pr.head?.sha ?? ''),
          baseSha: String(pr.base?.sha ?? ''),
          // The head repository's own `fork` flag says nothing: a branch PR inside a forked repository is not from a fork.
          fromFork: pr.head?.repo === null || (headRepo !== undefined ? headRepo.toLowerCase() !== baseRepo.toLowerCase() : Boolean(pr.head?.repo?.fork))
        }
      : undefined,
    reviewBody: typeof payload.review?.body === 'string' ? payload.review.body : undefined,
    workflowRef: env.GITHUB_WORKFLOW_REF || undefined,
    workflow: ctx.workflow || env.GITHUB_WORKFLOW || undefined,
    job: ctx.job || env.GITHUB_JOB || undefined
  }
}
