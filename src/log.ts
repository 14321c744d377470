import * as core from '@actions/core'
import { redact } from './secrets.js'

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

/**
 * The one gate between text we did not write (file names, vendor replies, agent answers) and the
 * runner's stdout: redacted, then made inert as workflow commands. Everything the action prints
 * passes here, through `actionsLog` or the publish module.
 */
export function forStdout(message: string): string {
  return neutraliseCommands(redact(message))
}

const ZWSP = '\u200b'

/**
 * The runner reads every stdout line that starts with `::` (after what .NET counts as leading
 * whitespace, a few characters more than JS's `\s`) as a command, and v1 commands `##[name]`
 * anywhere in a line; a forged `::stop-commands::` would turn masking off for the rest of the job.
 * A zero-width space inside the marker keeps the line readable and inert. The runner also ends a
 * line at a lone CR, so CRs are shown as `\r` instead.
 */
export function neutraliseCommands(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/\r/g, '\\r').replace(/##\[/g, `#${ZWSP}#[`).replace(COMMAND_START, `$1:${ZWSP}`)
}

/** `::` at a line start, after what .NET's TrimStart removes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: .NET's whitespace includes these separators
const COMMAND_START = /^([\s\u0085\u001c-\u001f]*):(?=:)/gm

/** Path characters that end or forge a log line: C0 and C1 controls, DEL, Unicode line/paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

export function hasControlChars(path: string): boolean {
  return CONTROL_CHARS.test(path)
}

/** A path as a JSON string literal when it holds control characters, so it prints on one visible line. */
export function printablePath(path: string): string {
  if (!hasControlChars(path)) return path
  // JSON.stringify leaves DEL, C1 and U+2028/2029 alone: escape those as well.
  return JSON.stringify(path).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

export const actionsLog: Log = {
  debug: (m) => core.debug(forStdout(m)),
  info: (m) => core.info(forStdout(m)),
  notice: (m, file) => core.notice(forStdout(m), file ? { file } : {}),
  warning: (m, file) => core.warning(forStdout(m), file ? { file } : {}),
  error: (m, file) => core.error(forStdout(m), file ? { file } : {})
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
