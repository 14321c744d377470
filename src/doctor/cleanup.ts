/**
 * The last step of every doctor run that wrote something: delete each canary, wait until the
 * listing shows none, and name what is still there with how to remove it by hand. The store must
 * end as the run found it, so a DELETE's answer alone never counts: only the listing does.
 */
import { errorMessage } from '../errors.js'
import { pollUntil } from './poll.js'
import type { DoctorSession } from './session.js'
import type { Leftover } from './types.js'

/** A canary the listing still shows: its id and, for the report, its name there. */
export interface ListedCanary {
  readonly id: string
  readonly name?: string
}

export interface CanaryCleanup {
  /** Every canary to delete. */
  readonly ids: readonly string[]
  /** Sends one DELETE (a 404 is fine: the listing decides). */
  deleteOne(id: string): Promise<void>
  /** The canaries the listing shows now. */
  listed(): Promise<ListedCanary[]>
  /** The assumption the deletes prove (`delete-object`…) and the report's noun, singular and plural. */
  readonly check: string
  readonly noun: readonly [one: string, many: string]
  /** A leftover's `what` in the report. */
  what(canary: ListedCanary): string
  /** Where and how to delete one by hand. */
  byHand(id: string): string
  /** How long deletes may take to show in the listing (at most 30 s), and the first poll. */
  readonly waitMs: number
  readonly pollMs: number
}

export async function removeCanaries(c: CanaryCleanup, s: DoctorSession): Promise<Leftover[]> {
  const failed = new Map<string, string>()
  for (const id of c.ids) {
    try {
      await c.deleteOne(id)
    } catch (error) {
      failed.set(id, errorMessage(error))
    }
  }
  // Deletions may show in the listing a moment later.
  const { value: gone } = await pollUntil(async () => ((await c.listed()).length === 0 ? true : undefined), {
    waitMs: Math.min(c.waitMs, 30_000),
    firstMs: c.pollMs
  })
  const still = gone ? [] : await c.listed()
  const [one, many] = c.noun
  if (c.ids.length > 0) {
    if (still.length === 0) s.held(c.check, `${c.ids.length} ${c.ids.length === 1 ? one : many} deleted and gone from the listing`)
    else s.notHeld(c.check, `${still.length} of ${c.ids.length} ${many} still listed after their DELETE`)
  }
  return still.map((canary) => {
    const why = failed.has(canary.id) ? `the DELETE failed (${failed.get(canary.id)})` : 'still listed after its DELETE'
    return { what: c.what(canary), id: canary.id, how: `${why}; ${c.byHand(canary.id)}` }
  })
}
