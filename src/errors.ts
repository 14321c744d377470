import { redact } from './secrets.js'

/** A failure the user can fix: the message says what is wrong, the hint says how to fix it. */
export class ActionError extends Error {
  readonly hint: string | undefined
  constructor(message: string, hint?: string) {
    super(hint ? `${message} ${hint}` : message)
    this.name = 'ActionError'
    this.hint = hint
  }
}

/** A vendor HTTP call that failed for good (after retries). Never carries a secret. */
export class VendorHttpError extends Error {
  readonly vendor: string
  readonly operation: string
  readonly status: number | undefined
  readonly code: string | undefined
  /** No complete answer came back (connection dropped, timeout): the request may or may not have been applied. */
  readonly noAnswer: boolean
  constructor(opts: { vendor: string; operation: string; status?: number; detail: string; code?: string; hint?: string; noAnswer?: boolean }) {
    const status = opts.status === undefined ? '' : ` (HTTP ${opts.status})`
    const hint = opts.hint ? ` ${opts.hint}` : ''
    super(redact(`${opts.vendor}: ${opts.operation} failed${status}: ${opts.detail}${hint}`))
    this.name = 'VendorHttpError'
    this.vendor = opts.vendor
    this.operation = opts.operation
    this.status = opts.status
    this.code = opts.code
    this.noAnswer = opts.noAnswer ?? false
  }
}

export function errorMessage(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error))
}
