/** The knowledge entries a Castrel instance holds and the PATs it accepts; state and seed formats. */
import { DEMO_ACCOUNTS } from '../../demo-accounts.ts'
import { EmuError, type EmuContext, type EmuRequest } from '../../framework.ts'

export interface CastrelKnowledge {
  id: number
  name: string
  type: string
  trigger: string
  trigger_config: Record<string, unknown>
  description: string | null
  data: Record<string, unknown>
  labels: Record<string, string> | null
  metadata: Record<string, unknown> | null
  application_id: string | null
  application_name: string | null
  workspace_id: string | null
  is_public: boolean
  is_readonly: boolean
  is_applied: boolean
  source: string
  forked_from: number | null
  created_at: number
  updated_at: number
}

/** `POST /_emulator/seed/castrel`: entries made by hand (defaults fill the rest) and more PATs. */
export interface CastrelSeed {
  entries?: Array<Partial<CastrelKnowledge>>
  pats?: string[]
}

/** What seeding made: the new entries' ids. */
export interface CastrelSeeded {
  created: number[]
}

/** `GET /_emulator/state/castrel`. */
export interface CastrelState {
  entries: CastrelKnowledge[]
}

/**
 * The live behaviour switches where Castrel's docs are silent (profiles.ts). The defaults play the
 * reading the adapter was built on.
 */
export interface CastrelEmulatorSettings {
  /** `filters.labels` on list: `applied` (default), `ignored` (every item comes back), or `refused` with an envelope error. */
  labelFilter: 'applied' | 'ignored' | 'refused'
}

const DEFAULT_SETTINGS: CastrelEmulatorSettings = { labelFilter: 'applied' }

export class CastrelStore {
  /** Set when the server registers the vendor. */
  ctx!: EmuContext
  /** Changed in place, never replaced: the emulator object hands out this very object. */
  readonly settings: CastrelEmulatorSettings = { ...DEFAULT_SETTINGS }
  entries: CastrelKnowledge[] = []
  pats = new Set<string>([DEMO_ACCOUNTS.castrel.pat])
  nextId = 1

  reset(): void {
    this.entries = []
    this.pats = new Set([DEMO_ACCOUNTS.castrel.pat])
    this.nextId = 1
    Object.assign(this.settings, DEFAULT_SETTINGS)
  }

  /** Throws unless the request carries a known PAT; honours the `castrel-error-envelope` fault. */
  auth(req: EmuRequest, route: string): void {
    const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))
    if (!m || !this.pats.has(m[1]!)) throw new EmuError(401, { code: 401, message: 'auth.unauthorized', data: null })
    const fault = this.ctx.faults.take('castrel-error-envelope', route)
    if (fault) throw new EmuError(200, { code: 500, message: 'common.internal_error', data: null })
  }

  make(b: Record<string, any>): CastrelKnowledge {
    const now = Date.now()
    const config = (b.trigger_config ?? {}) as Record<string, unknown>
    return {
      id: this.nextId++,
      name: b.name,
      type: b.type,
      trigger: b.trigger,
      trigger_config: config,
      description: b.description ?? null,
      data: b.data,
      labels: b.labels ?? null,
      metadata: b.metadata ?? null,
      application_id: typeof config.application_id === 'string' ? config.application_id : null,
      application_name: null,
      workspace_id: 'wks-emulator',
      is_public: false,
      is_readonly: false,
      is_applied: false,
      source: 'custom',
      forked_from: null,
      created_at: now,
      updated_at: now
    }
  }

  apply(k: CastrelKnowledge, b: Record<string, any>): void {
    for (const field of ['name', 'type', 'trigger', 'trigger_config', 'description', 'data', 'labels', 'metadata'] as const) {
      if (b[field] !== undefined && b[field] !== null) (k as any)[field] = b[field]
    }
    k.updated_at = Math.max(Date.now(), k.updated_at + 1)
  }

  state(): CastrelState {
    return { entries: this.entries }
  }

  seed(b: CastrelSeed): CastrelSeeded {
    for (const p of b.pats ?? []) this.pats.add(p)
    const made: number[] = []
    for (const e of b.entries ?? []) {
      const k = this.make({ type: 'default', trigger: 'always', trigger_config: {}, data: { content: '' }, ...e })
      Object.assign(k, { is_public: e.is_public ?? false, is_readonly: e.is_readonly ?? false })
      this.entries.push(k)
      made.push(k.id)
    }
    return { created: made }
  }
}
