/**
 * The agent's Server-Sent Events stream, parsed with eventsource-parser (framing, CRLF, comments,
 * multi-line data) and decoded with a streaming TextDecoder so a UTF-8 character split across two
 * network chunks survives. The StackSpot event shape is not documented; we accept what public
 * clients have seen: `data: {json}` with the text delta in `message` (or an OpenAI-style
 * `choices[0].delta.content`), an optional `data: [DONE]`, and errors as `event: error` or
 * `{"type":"error"}`.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { emptyAnswer, isRecord, mergeMetadata, type AgentAnswer } from './answer.js'

export class AgentStreamError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AgentStreamError'
  }
}

/** Accumulates an answer from raw stream bytes. `done` turns true at `[DONE]`; EOF also ends a stream. */
export class AgentStream {
  readonly answer: AgentAnswer = emptyAnswer()
  done = false
  events = 0
  private readonly decoder = new TextDecoder('utf-8')
  private readonly parser = createParser({ onEvent: (e) => this.onEvent(e) })

  /** Feed bytes as they arrive. Throws AgentStreamError on an error event. */
  push(bytes: Uint8Array): void {
    if (this.done) return
    this.parser.feed(this.decoder.decode(bytes, { stream: true }))
  }

  /** Call at end of stream: flushes a last event not followed by a blank line. */
  end(): AgentAnswer {
    if (!this.done) {
      const rest = this.decoder.decode()
      if (rest) this.parser.feed(rest)
      // A last event without its terminating blank line is still an event.
      this.parser.feed('\n\n')
    }
    this.done = true
    return this.answer
  }

  private onEvent(event: EventSourceMessage): void {
    if (this.done) return
    this.events++
    const data = event.data.trim()
    if (event.event === 'error') throw new AgentStreamError(errorText(parseJson(data)) ?? (data || 'the agent sent an error event'))
    if (data === '[DONE]') {
      this.done = true
      return
    }
    const json = parseJson(data)
    // Keep-alives and anything else that is not a JSON object carry no answer.
    if (!isRecord(json)) return
    if (json.type === 'error' || (isRecord(json.error) && json.message === undefined)) {
      throw new AgentStreamError(errorText(json) ?? 'the agent sent an error event')
    }
    const text = deltaText(json)
    if (text) this.answer.message += text
    mergeMetadata(this.answer, json)
    const choice = Array.isArray(json.choices) ? json.choices[0] : undefined
    if (isRecord(choice) && typeof choice.finish_reason === 'string' && choice.finish_reason) this.answer.stopReason = choice.finish_reason
  }
}

function deltaText(json: Record<string, unknown>): string | undefined {
  if (typeof json.message === 'string') return json.message
  const choice = Array.isArray(json.choices) ? json.choices[0] : undefined
  if (isRecord(choice) && isRecord(choice.delta) && typeof choice.delta.content === 'string') return choice.delta.content
  if (typeof json.content === 'string') return json.content
  return undefined
}

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data) as unknown
  } catch {
    return undefined
  }
}

function errorText(json: unknown): string | undefined {
  if (!isRecord(json)) return undefined
  for (const v of [json.message, json.detail, json.error]) {
    if (typeof v === 'string' && v) return v
    if (isRecord(v) && typeof v.message === 'string') return v.message
  }
  return undefined
}
