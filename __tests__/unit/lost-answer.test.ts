/** A write whose answer was lost is checked in the store before it is sent again, and at most twice. */
import { describe, expect, it } from 'vitest'
import { ActionError, VendorHttpError } from '../../src/errors.js'
import { memoryLog } from '../../src/log.js'
import { mayHaveLanded, writeUnlessLanded } from '../../src/vendors/lost-answer.js'

const lost = (status?: number) => new VendorHttpError({ vendor: 'Acme', operation: 'add', status, detail: 'x', noAnswer: status === undefined })

describe('mayHaveLanded', () => {
  it('is true for a 5xx and for no answer at all, false for answers that say what happened', () => {
    expect(mayHaveLanded(lost(500))).toBe(true)
    expect(mayHaveLanded(lost(502))).toBe(true)
    expect(mayHaveLanded(lost())).toBe(true)
    expect(mayHaveLanded(lost(409))).toBe(false)
    expect(mayHaveLanded(lost(429))).toBe(false)
    // An adapter's own error (a failed processing job) carries no status but did get an answer.
    expect(mayHaveLanded(new VendorHttpError({ vendor: 'Acme', operation: 'process', detail: 'ERROR' }))).toBe(false)
    expect(mayHaveLanded(new ActionError('bad input'))).toBe(false)
  })
})

describe('writeUnlessLanded', () => {
  function scripted(outcomes: Array<'ok' | Error>, landed: Array<string | undefined>) {
    const calls = { write: 0, landed: 0 }
    const run = writeUnlessLanded({
      write: async () => {
        const o = outcomes[calls.write++]
        if (o instanceof Error) throw o
        return 'written'
      },
      landed: async () => landed[calls.landed++],
      what: 'add a thing',
      log: memoryLog()
    })
    return { run, calls }
  }

  it('continues with what landed instead of writing again', async () => {
    const { run, calls } = scripted([lost(500)], ['found'])
    expect(await run).toBe('found')
    expect(calls).toEqual({ write: 1, landed: 1 })
  })

  it('writes once more when nothing landed', async () => {
    const { run, calls } = scripted([lost(), 'ok'], [undefined])
    expect(await run).toBe('written')
    expect(calls).toEqual({ write: 2, landed: 1 })
  })

  it('checks again after a second lost answer, then gives up with the error', async () => {
    const second = lost(504)
    const { run, calls } = scripted([lost(500), second], [undefined, undefined])
    await expect(run).rejects.toBe(second)
    expect(calls).toEqual({ write: 2, landed: 2 })
  })

  it('never checks or repeats a write the server refused', async () => {
    const refused = lost(422)
    const { run, calls } = scripted([refused], [])
    await expect(run).rejects.toBe(refused)
    expect(calls).toEqual({ write: 1, landed: 0 })
  })
})
