import * as core from '@actions/core'

/**
 * The logging surface the pipeline and adapters use. Production passes `actionsLog` (workflow
 * commands on stdout); unit tests pass a recorder. Every message goes through `redact` first.
 */
export interface Log {
  debug(message: string): void
  info(message: string): void
  notice(message: string, file?: string): void
  warning(message: string, file?: string): void
  error(message: string, file?: string): void
}

import { redact } from './secrets.js'

export const actionsLog: Log = {
  debug: (m) => core.debug(redact(m)),
  info: (m) => core.info(redact(m)),
  notice: (m, file) => core.notice(redact(m), file ? { file } : {}),
  warning: (m, file) => core.warning(redact(m), file ? { file } : {}),
  error: (m, file) => core.error(redact(m), file ? { file } : {})
}

/** A Log that keeps every line, for tests and for the summary. */
export function memoryLog(): Log & { lines: string[] } {
  const lines: string[] = []
  const push = (level: string) => (m: string) => void lines.push(`${level}: ${redact(m)}`)
  return {
    lines,
    debug: push('debug'),
    info: push('info'),
    notice: push('notice'),
    warning: push('warning'),
    error: push('error')
  }
}
