import { setTimeout as sleep } from 'node:timers/promises'

export interface PollOptions {
  /** Give up this long after the first attempt. */
  readonly waitMs: number
  /** First pause between attempts; grows ×1.5 up to `maxMs`. */
  readonly firstMs: number
  readonly maxMs?: number
}

/**
 * Calls `attempt` until it returns something other than undefined or `waitMs` has passed.
 * Returns the value (undefined on time-out) and how long it took.
 */
export async function pollUntil<T>(attempt: () => Promise<T | undefined>, opts: PollOptions): Promise<{ value: T | undefined; ms: number }> {
  const started = Date.now()
  let wait = opts.firstMs
  for (;;) {
    const value = await attempt()
    if (value !== undefined) return { value, ms: Date.now() - started }
    if (Date.now() + wait > started + opts.waitMs) return { value: undefined, ms: Date.now() - started }
    await sleep(wait)
    wait = Math.min(opts.maxMs ?? 3_000, Math.round(wait * 1.5))
  }
}

/** `1.2 s`, `350 ms`: durations as the report shows them. */
export function duration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}
