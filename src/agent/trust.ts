/**
 * Who may steer the agent. On a public repository anyone can review a maintainer's pull request,
 * and that run holds the secrets: a review by an outsider must not become part of the prompt, or
 * the outsider could make the agent publish what its knowledge sources hold. The review's
 * `author_association` (set by GitHub, not by the reviewer) decides.
 */
import { z } from 'zod'
import type { InputSpec } from '../input-kinds.js'
import { lines } from '../input-kinds.js'
import type { RunContext } from '../context.js'

/** Every `author_association` GitHub sends (docs.github.com, webhook payloads). */
export const AUTHOR_ASSOCIATIONS = ['OWNER', 'MEMBER', 'COLLABORATOR', 'CONTRIBUTOR', 'FIRST_TIME_CONTRIBUTOR', 'FIRST_TIMER', 'MANNEQUIN', 'NONE'] as const
export type AuthorAssociation = (typeof AUTHOR_ASSOCIATIONS)[number]

/** The associations trusted, or `any` for everyone (`*`). */
export type TrustedAssociations = ReadonlySet<AuthorAssociation> | 'any'

export const DEFAULT_TRUSTED_ASSOCIATIONS = 'OWNER, MEMBER, COLLABORATOR'

/** A comma- or newline-separated list of associations, or `*` / `any`. */
export function trustedAssociationsInput(name: string): InputSpec<TrustedAssociations> {
  return {
    name,
    default: DEFAULT_TRUSTED_ASSOCIATIONS,
    schema: z.string().transform((value, ctx) => {
      const entries = lines(value.replace(/,/g, '\n')).map((v) => v.toUpperCase())
      if (entries.some((v) => v === '*' || v === 'ANY')) return 'any'
      const unknown = entries.filter((v) => !(AUTHOR_ASSOCIATIONS as readonly string[]).includes(v))
      if (unknown.length > 0 || entries.length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `\`${name}\` is "${value}"; list GitHub author associations (${AUTHOR_ASSOCIATIONS.join(', ')}), separated by commas or new lines, or \`*\` for anyone.`
        })
        return z.NEVER
      }
      return new Set(entries as AuthorAssociation[])
    })
  }
}

/** The person whose text an event brings into the prompt: a review or a review comment. */
export interface Author {
  /** `review` or `review comment`, for the notice. */
  readonly what: string
  readonly login: string
  readonly type: string
  readonly association: string
}

/** The author to check for this event, or undefined when the event carries nobody's text. */
export function eventAuthor(run: Pick<RunContext, 'eventName' | 'payload'>): Author | undefined {
  if (run.eventName !== 'pull_request_review' && run.eventName !== 'pull_request_review_comment') return undefined
  const source = (run.eventName === 'pull_request_review' ? run.payload.review : run.payload.comment) as Record<string, unknown> | undefined
  const user = (source?.user ?? {}) as Record<string, unknown>
  return {
    what: run.eventName === 'pull_request_review' ? 'review' : 'review comment',
    login: typeof user.login === 'string' ? user.login : 'unknown',
    type: typeof user.type === 'string' ? user.type : 'User',
    // A payload without the field is treated as the least trusted case.
    association: typeof source?.author_association === 'string' ? source.author_association.toUpperCase() : 'NONE'
  }
}

/**
 * Bots are judged like people, by their association: GitHub gives an App's bot `NONE` (or
 * `CONTRIBUTOR` once it has commits here), so their reviews are skipped unless that association
 * is trusted explicitly.
 */
export function isTrusted(author: Author, trusted: TrustedAssociations): boolean {
  return trusted === 'any' || trusted.has(author.association as AuthorAssociation)
}

export function describeTrusted(trusted: TrustedAssociations): string {
  return trusted === 'any' ? 'anyone' : [...trusted].join(', ')
}
