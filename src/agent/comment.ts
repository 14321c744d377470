/**
 * The sticky PR comment: found by our marker (knowledge base and key) among the comments the
 * token's own identity wrote, updated in place, created only when none exists. A comment by anyone
 * else is never edited, and its conversation id never continued, even when it carries the marker.
 */
import type { getOctokit } from '@actions/github'
import type { Log } from '../log.js'
import { parseMarker } from './marker.js'

type Octokit = ReturnType<typeof getOctokit>

export interface Identity {
  login: string
  type: string
}

/** The login GITHUB_TOKEN comments as; GitHub answers 403 to GET /user for it. */
export const ACTIONS_BOT: Identity = { login: 'github-actions[bot]', type: 'Bot' }

export async function tokenIdentity(octokit: Octokit, log: Log): Promise<Identity> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated()
    return { login: data.login, type: data.type }
  } catch (error) {
    log.debug(`GET /user failed (${statusOf(error) ?? 'network'}): taking the token to be GITHUB_TOKEN (${ACTIONS_BOT.login})`)
    return ACTIONS_BOT
  }
}

export interface StickyComment {
  id: number
  url: string
  conversationId?: string
}

export interface CommentTarget {
  owner: string
  repo: string
  issueNumber: number
  knowledgeBase: string
  /** The marker key of this workflow and job (marker.ts). */
  key: string
}

export async function findStickyComment(octokit: Octokit, target: CommentTarget, me: Identity): Promise<StickyComment | undefined> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100
  })
  for (const c of comments) {
    if (!c.user || c.user.login.toLowerCase() !== me.login.toLowerCase()) continue
    // Our login with another key is another workflow's or job's comment: not ours either.
    const marker = parseMarker(c.body ?? '', target.knowledgeBase, target.key)
    if (marker) return { id: c.id, url: c.html_url, conversationId: marker.conversationId }
  }
  return undefined
}

export async function upsertStickyComment(octokit: Octokit, target: CommentTarget, existing: StickyComment | undefined, body: string): Promise<string> {
  if (existing) {
    const { data } = await octokit.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: existing.id, body })
    return data.html_url
  }
  const { data } = await octokit.rest.issues.createComment({ owner: target.owner, repo: target.repo, issue_number: target.issueNumber, body })
  return data.html_url
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}
