import { z } from 'zod'

/**
 * One action input: its name and default in action.yml (a test checks the two agree) and the zod
 * schema that turns the raw string into its setting. The shared inputs (src/inputs.ts) and each
 * vendor's own (src/vendors/<id>/settings.ts) are declared this way; a schema's message names the
 * input and the values it takes.
 */
export interface InputSpec<T = unknown> {
  readonly name: string
  readonly default: string
  /** Masked the moment it is read, before anything can log it. */
  readonly secret?: boolean
  readonly schema: z.ZodType<T, string>
  /**
   * A problem only found by reading the value whole (JSON that is not an object). Listed after the
   * chosen vendor's missing inputs, not with the bad values, as users have always seen it.
   */
  readonly check?: (raw: string) => string | undefined
}

/** Inputs keyed by the Settings field each one fills. */
export type InputSpecs = Readonly<Record<string, InputSpec>>

/** The settings a group of inputs yields: each field typed by its schema. */
export type InputValues<I> = { -readonly [K in keyof I]: I[K] extends InputSpec<infer T> ? T : never }

/** The raw input values, after an empty one fell back to its default. */
export type RawInputs = Readonly<Record<string, string>>

/** A free-text input, trimmed. */
export function text(name: string, opts: { default?: string; secret?: boolean } = {}): InputSpec<string> {
  return { name, default: opts.default ?? '', secret: opts.secret, schema: z.string().transform((v) => v.trim()) }
}

/** A free-text input taken as given (a prompt, or a URL the reader checks itself). */
export function verbatim(name: string, defaultValue = ''): InputSpec<string> {
  return { name, default: defaultValue, schema: z.string() }
}

/** One of `values`, case-insensitive. */
export function choice<const T extends string>(name: string, values: readonly T[], defaultValue = ''): InputSpec<T> {
  return {
    name,
    default: defaultValue,
    schema: z.string().transform((value, ctx) => {
      const v = value.trim().toLowerCase()
      if ((values as readonly string[]).includes(v)) return v as T
      ctx.addIssue({ code: 'custom', message: `\`${name}\` is "${value}"; it must be one of: ${values.join(', ')}.` })
      return z.NEVER
    })
  }
}

/** `true` or `false`, in the three spellings YAML 1.2 (and core.getBooleanInput) accept. */
export function flag(name: string, defaultValue: 'true' | 'false'): InputSpec<boolean> {
  return {
    name,
    default: defaultValue,
    schema: z.string().transform((value, ctx) => {
      if (/^(true|True|TRUE)$/.test(value)) return true
      if (/^(false|False|FALSE)$/.test(value)) return false
      ctx.addIssue({ code: 'custom', message: `\`${name}\` is "${value}"; it must be \`true\` or \`false\`.` })
      return z.NEVER
    })
  }
}

export function wholeNumber(name: string, defaultValue: string, min: number, max: number): InputSpec<number> {
  return {
    name,
    default: defaultValue,
    schema: z.string().transform((value, ctx) => {
      const n = Number(value)
      if (/^\s*\d+\s*$/.test(value) && n >= min && n <= max) return n
      ctx.addIssue({ code: 'custom', message: `\`${name}\` is "${value}"; it must be a whole number from ${min} to ${max}.` })
      return z.NEVER
    })
  }
}

/** One entry per line; blank lines and `#` comments are left out. */
export function list(name: string, defaultValue = ''): InputSpec<string[]> {
  return { name, default: defaultValue, schema: z.string().transform(lines) }
}

/** A JSON object; `example` shows the user the shape in the message. */
export function jsonObject(name: string, defaultValue: string, example: string): InputSpec<Record<string, unknown>> {
  return {
    name,
    default: defaultValue,
    schema: z.string().transform((value) => parseObject(value) ?? {}),
    check: (raw) => (parseObject(raw) ? undefined : `\`${name}\` must be a JSON object, e.g. ${example}: "${raw}".`)
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

export function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}

/** `` `input` is required <why>. `` for each input in `needed` that is empty, in order. */
export function missing(raw: RawInputs, needed: ReadonlyArray<readonly [input: string, why: string]>): string[] {
  return needed.filter(([input]) => isEmpty(raw, input)).map(([input, why]) => `\`${input}\` is required ${why}.`)
}

export function isEmpty(raw: RawInputs, input: string): boolean {
  return (raw[input] ?? '').trim() === ''
}

/**
 * A vendor URL: https, or http on a loopback host only (the emulator and tests). Anything else
 * would send a credential in clear text.
 */
export function vendorUrl(input: string): z.ZodType<string> {
  return z.string().superRefine((value, ctx) => {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      ctx.addIssue({ code: 'custom', message: `\`${input}\` is not a URL: "${value}". Give a full URL such as https://api.example.com.` })
      return
    }
    if (url.protocol === 'https:') return
    if (url.protocol === 'http:' && isLoopback(url.hostname)) return
    ctx.addIssue({
      code: 'custom',
      message: `\`${input}\` must use https:// (http:// is allowed only for localhost and 127.0.0.0/8): "${value}".`
    })
  })
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '')
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
}
