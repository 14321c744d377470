/**
 * The GitHub API client: @actions/github's octokit with the retry and throttling plugins, so a
 * flaky 5xx or a rate limit costs a short wait instead of a failed sync or a lost PR comment.
 */
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import type { Log } from './log.js'

export type GithubClient = ReturnType<typeof getOctokit>

/**
 * Answers that another try cannot change: bad request, credentials, permissions (a 403 rate limit
 * is the throttling plugin's, not this list's), missing, conflict, gone, invalid, legal.
 */
export const DO_NOT_RETRY = [400, 401, 403, 404, 409, 410, 422, 451]
/** Rate-limit retries per request: enough to ride out a burst, few enough that a job never hangs on GitHub. */
export const RATE_LIMIT_RETRIES = 2
/** A limit that resets later than this fails now: a job that waits an hour helps nobody. */
export const MAX_RATE_LIMIT_WAIT_SECONDS = 60

export interface GithubClientOptions {
  token: string
  /** GITHUB_API_URL (GHES, or the emulator); @actions/github's default reads the same variable. */
  apiUrl?: string
  log: Log
  /** Milliseconds per second of wait the plugins compute (1000); tests shrink it. */
  retryAfterBaseValue?: number
}

export function githubClient(opts: GithubClientOptions): GithubClient {
  const { log } = opts
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number): boolean => {
      const what = `${request.method} ${request.url}`
      if (retryCount >= RATE_LIMIT_RETRIES || retryAfter > MAX_RATE_LIMIT_WAIT_SECONDS) {
        log.warning(`GitHub ${kind} on ${what}; not retrying (${retryCount} retries so far, the limit resets in ${retryAfter} s).`)
        return false
      }
      log.warning(`GitHub ${kind} on ${what}; retrying in ${retryAfter} s (retry ${retryCount + 1} of ${RATE_LIMIT_RETRIES}).`)
      return true
    }
  const octokit = getOctokit(
    opts.token,
    {
      ...(opts.apiUrl ? { baseUrl: opts.apiUrl.replace(/\/+$/, '') } : {}),
      retry: { doNotRetry: DO_NOT_RETRY, ...(opts.retryAfterBaseValue === undefined ? {} : { retryAfterBaseValue: opts.retryAfterBaseValue }) },
      throttle: {
        onRateLimit: onLimit('rate limit'),
        onSecondaryRateLimit: onLimit('secondary rate limit'),
        ...(opts.retryAfterBaseValue === undefined ? {} : { retryAfterBaseValue: opts.retryAfterBaseValue })
      }
    },
    retry,
    throttling
  )
  // A POST that failed with a 5xx may still have been carried out: creating a PR comment twice is
  // worse than reporting the failure, and the next run finds and updates the one comment.
  octokit.hook.before('request', (options) => {
    if (options.method === 'POST' && !String(options.url).endsWith('/graphql')) options.request = { ...options.request, retries: 0 }
  })
  return octokit
}
