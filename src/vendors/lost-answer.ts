/**
 * Writes that are not safe to send twice (adding entries, creating a source, uploading a zip) and
 * whose answer was lost: a 5xx, a dropped connection or a timeout says nothing about whether the
 * server applied them. Sending again blindly could store the doc twice; failing could fail a run
 * that already succeeded. So the store is asked first, and the write is sent again only when its
 * effect is not there.
 */
import { VendorHttpError, errorMessage } from '../errors.js'
import type { Log } from '../log.js'

/** True when the error leaves open whether the server applied the request. */
export function mayHaveLanded(error: unknown): boolean {
  if (!(error instanceof VendorHttpError)) return false
  return error.noAnswer || (error.status !== undefined && error.status >= 500)
}

export interface UnlessLandedOptions<T, L> {
  /** The write itself. Called at most twice. */
  write: () => Promise<T>
  /**
   * Looks in the store for the write's effect after its answer was lost: what to continue with
   * when it landed, undefined when it did not (then the write is sent once more). It may also
   * clear an unusable half of the write before the second try.
   */
  landed: () => Promise<L | undefined>
  /** The step, for the log: `add 3 entries for docs/a.md`. */
  what: string
  log: Log
}

/**
 * Sends `write`; when its answer is lost, continues with what landed or sends it once more. A
 * second lost answer is checked the same way before the error is passed on.
 */
export async function writeUnlessLanded<T, L = T>(opts: UnlessLandedOptions<T, L>): Promise<T | L> {
  const { log, what } = opts
  try {
    return await opts.write()
  } catch (error) {
    if (!mayHaveLanded(error)) throw error
    const found = await opts.landed()
    if (found !== undefined) {
      log.info(`${what}: the answer was lost (${errorMessage(error)}), but the store shows the write landed; continuing with it.`)
      return found
    }
    log.info(`${what}: the answer was lost (${errorMessage(error)}) and the store does not show the write; sending it once more.`)
  }
  try {
    return await opts.write()
  } catch (error) {
    if (!mayHaveLanded(error)) throw error
    const found = await opts.landed()
    if (found !== undefined) {
      log.info(`${what}: the second answer was lost too, but the store shows the write landed; continuing with it.`)
      return found
    }
    throw error
  }
}
