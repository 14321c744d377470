/**
 * What the command line prints, and where: results (the plan, the report, the answer) on stdout,
 * as text or as one JSON document with --json; log lines on stderr, with a progress bar while a
 * sync writes when stderr is a terminal. Everything passes `forTerminal` first: secrets redacted,
 * and control characters from file names or vendor replies shown escaped, so none can rewrite the
 * terminal or forge a line.
 */
import type { Log } from '../log.js'
import { redact } from '../secrets.js'

export interface OutStream {
  write(text: string): unknown
  readonly isTTY?: boolean
  readonly columns?: number
}

export interface CliIo {
  readonly stdout: OutStream
  readonly stderr: OutStream
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g

export function forTerminal(text: string): string {
  return redact(text).replace(CONTROL, (c) => (c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
}

/** One line (or several) on a stream, made safe. */
export function printLine(stream: OutStream, text: string): void {
  stream.write(`${forTerminal(text)}\n`)
}

/**
 * A bar on one terminal line, redrawn in place; log lines are printed above it. `tick` counts one
 * finished upload or deletion.
 */
export class ProgressBar {
  private total = 0
  private done = 0
  private last = ''
  private shown = false

  private readonly stream: OutStream

  constructor(stream: OutStream) {
    this.stream = stream
  }

  start(total: number, label: string): void {
    this.total = total
    this.done = 0
    this.last = label
    this.draw()
  }

  tick(what: string): void {
    if (this.total === 0) return
    this.done = Math.min(this.total, this.done + 1)
    this.last = what
    this.draw()
  }

  /** Prints a line above the bar. */
  above(line: string): void {
    this.erase()
    this.stream.write(line)
    if (this.total > 0 && this.done < this.total) this.draw()
  }

  finish(): void {
    this.erase()
    this.total = 0
  }

  /** The bar's text for `width` columns (exported for the tests through `render`). */
  render(width: number): string {
    const counter = ` ${this.done}/${this.total} `
    const barWidth = Math.max(10, Math.min(40, width - counter.length - 20))
    const filled = this.total === 0 ? 0 : Math.round((barWidth * this.done) / this.total)
    const room = Math.max(0, width - barWidth - counter.length - 3)
    const label = forTerminal(this.last)
    const shortLabel = label.length > room ? `…${label.slice(label.length - room + 1)}` : label
    return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${counter}${shortLabel}`
  }

  private draw(): void {
    this.stream.write(`\r\x1b[2K${this.render(this.stream.columns ?? 80)}`)
    this.shown = true
  }

  private erase(): void {
    if (!this.shown) return
    this.stream.write('\r\x1b[2K')
    this.shown = false
  }
}

/** The pipeline's Log on stderr: plain lines, `warning:`/`error:` prefixes, debug only with --verbose. */
export function cliLog(stderr: OutStream, opts: { verbose: boolean; progress?: ProgressBar }): Log {
  const emit = (prefix: string) => (message: string, file?: string) => {
    const line = `${prefix}${file && !message.includes(file) ? `${file}: ` : ''}${forTerminal(message)}\n`
    if (opts.progress) opts.progress.above(line)
    else stderr.write(line)
  }
  return {
    debug: opts.verbose ? emit('debug: ') : () => undefined,
    info: emit(''),
    notice: emit('notice: '),
    warning: emit('warning: '),
    error: emit('error: ')
  }
}

/** A log group as a heading line: CI logs and terminals have no folding. */
export function cliGroup(log: Log): <T>(name: string, fn: () => Promise<T>) => Promise<T> {
  return (name, fn) => {
    log.info(`── ${name}`)
    return fn()
  }
}

/** One JSON document on stdout, redacted like everything else. */
export function printJson(stdout: OutStream, value: unknown): void {
  stdout.write(`${redact(JSON.stringify(value, null, 2))}\n`)
}

/**
 * The CLI's own stdout, taken before `quietStrayStdout` moves everything else off it: a library
 * that prints a workflow command (@actions/glob logs `::debug::` lines through @actions/core)
 * would otherwise break `--json` and fill a terminal with runner syntax.
 */
export function quietStrayStdout(verbose: boolean): OutStream {
  const out = process.stdout
  const write = out.write.bind(out)
  const own: OutStream = {
    write: (text: string) => write(text),
    get isTTY() {
      return out.isTTY
    },
    get columns() {
      return out.columns
    }
  }
  out.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined
    for (const line of text.split('\n')) {
      if (line === '') continue
      const debug = /^::debug::(.*)$/.exec(line)
      if (debug) {
        if (verbose) process.stderr.write(`debug: ${forTerminal(debug[1]!)}\n`)
      } else process.stderr.write(`${forTerminal(line)}\n`)
    }
    callback?.()
    return true
  }) as typeof out.write
  return own
}
