import { errorMessage } from '../errors.js'
import type { Log } from '../log.js'
import type { Assumption, CheckResult, CheckRow, Created, ListingFacts, StepRow } from './types.js'

/** Thrown by a failed step: the run stops, and the report names the step. */
export class StepFailed extends Error {
  readonly step: string
  constructor(step: string, message: string) {
    super(message)
    this.name = 'StepFailed'
    this.step = step
  }
}

const MARK: Record<CheckResult, string> = { held: '✔', 'did not hold': '✘', 'could not check': '?' }

/**
 * What one doctor run has seen so far: its steps, the checks against the vendor's declared
 * assumptions, what it wrote to the store, and raw observations. Vendor doctors record into it;
 * the run turns it into the report.
 */
export class DoctorSession {
  readonly steps: StepRow[] = []
  readonly created: Created[] = []
  readonly observations: Record<string, unknown> = {}
  readonly listing: ListingFacts = { odd: [] }
  failedStep: { name: string; error: string } | undefined
  private readonly checks = new Map<string, CheckRow>()
  private readonly assumptions: ReadonlyMap<string, Assumption>
  private readonly log: Log
  private readonly group: <T>(name: string, fn: () => Promise<T>) => Promise<T>

  constructor(assumptions: readonly Assumption[], log: Log, group: <T>(name: string, fn: () => Promise<T>) => Promise<T>) {
    this.assumptions = new Map(assumptions.map((a) => [a.id, a]))
    this.log = log
    this.group = group
  }

  /** Runs one named step in its own log group. A failure is recorded and stops the run (StepFailed). */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now()
    try {
      const value = await this.group(`Doctor: ${name}`, fn)
      this.steps.push({ name, outcome: 'done', ms: Date.now() - started })
      return value
    } catch (error) {
      const message = error instanceof StepFailed ? error.message : errorMessage(error)
      this.steps.push({ name, outcome: 'failed', ms: Date.now() - started, detail: message })
      this.failedStep ??= { name, error: message }
      this.log.error(`Doctor: ${name} failed: ${message}`)
      throw error instanceof StepFailed ? error : new StepFailed(name, message)
    }
  }

  held(id: string, observed: string, note?: string): void {
    this.check(id, 'held', observed, note)
  }

  notHeld(id: string, observed: string, note?: string): void {
    this.check(id, 'did not hold', observed, note)
  }

  cannotCheck(id: string, observed: string, note?: string): void {
    this.check(id, 'could not check', observed, note)
  }

  /** Records a check of a declared assumption; a later record of the same one replaces it. */
  check(id: string, result: CheckResult, observed: string, note?: string): void {
    const a = this.assumptions.get(id)
    if (!a) throw new Error(`the doctor checked "${id}", which its vendor does not declare`)
    this.checks.set(id, { id, assumption: a.text, source: a.source, result, observed, ...(note ? { note } : {}) })
    this.log.info(`${MARK[result]} ${result}: ${a.text} — observed: ${observed}${note ? ` (${note})` : ''}`)
  }

  hasCheck(id: string): boolean {
    return this.checks.has(id)
  }

  /** A fact worth keeping in the JSON report that no assumption hangs on. */
  observe(key: string, value: unknown): void {
    this.observations[key] = value
    this.log.info(`Observed ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
  }

  /** Something the run wrote to the store, which the clean-up must remove. */
  wrote(what: string, id: string): void {
    this.created.push({ what, id })
    this.log.info(`Wrote ${what} (${id}); it is removed at the end of the run.`)
  }

  /** Every declared assumption in order; the unchecked ones say why they were not. */
  checkRows(uncheckedBecause: string): CheckRow[] {
    return [...this.assumptions.values()].map(
      (a) => this.checks.get(a.id) ?? { id: a.id, assumption: a.text, source: a.source, result: 'could not check' as const, observed: uncheckedBecause }
    )
  }
}
