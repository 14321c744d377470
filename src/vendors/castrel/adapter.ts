/**
 * Castrel Knowledges API (PAT). Each doc is one `document` knowledge entry on the customer's own
 * instance, recognised by its labels (`repo` holds the namespace, by default the repository). The API has no delete: a removed doc's entry is marked
 * removed (labels and description) for a person to delete in the UI. Docs: docs/castrel.md.
 */
import { createHash } from 'node:crypto'
import { readDoc } from '../../docs/read.js'
import type { LocalDoc } from '../../docs/types.js'
import { HttpClient, staticTokens } from '../../http.js'
import type { Log } from '../../log.js'
import { registerSecret } from '../../secrets.js'
import type { RemoteDoc, RemoveResult, StoreInfo, UploadResult, VendorAdapter, VendorDeps } from '../types.js'
import { errorMessage } from '../../errors.js'
import { CastrelApi, CastrelEnvelopeError } from './api.js'
import type { Knowledge } from './schema.js'
import type { CastrelSettings } from './settings.js'

/** Labels that mark an entry as ours. Keys are fixed: a rename would orphan every synced entry. */
export const LABEL_MANAGED_BY = 'managed-by'
export const MANAGED_BY = 'knowledge-sync'
export const LABEL_REPO = 'repo'
export const LABEL_PATH = 'path'
export const LABEL_STATUS = 'knowledge-sync-status'

const NAME_MAX = 255
/** Castrel document knowledge is Markdown text; anything else would be stored as garbage. */
const TEXT_EXTENSIONS = /\.(md|markdown|mdx|txt)$/i

/**
 * The entry name: the doc's key, which users recognise in the UI. Names over Castrel's 255
 * characters keep their tail (the file name) and gain a hash of the whole key, so two long paths
 * never collide and the name is the same on every run.
 */
export function knowledgeName(key: string): string {
  if (key.length <= NAME_MAX) return key
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 10)
  const suffix = ` #${hash}`
  return `…${key.slice(key.length - (NAME_MAX - suffix.length - 1))}${suffix}`
}

export class CastrelAdapter implements VendorAdapter {
  readonly id = 'castrel'
  readonly displayName = 'Castrel'
  readonly maxFileBytes = 1024 * 1024
  private readonly api: CastrelApi
  private readonly settings: CastrelSettings
  private readonly repository: string
  /** The `repo` label's value: whose entries these are. */
  private readonly namespace: string
  private readonly sha: string
  private readonly log: Log
  /** Set once the server refused `filters.labels`: later listings go without it. */
  private labelFilterRefused = false

  constructor(settings: CastrelSettings, deps: Pick<VendorDeps, 'log' | 'repository' | 'namespace' | 'sha'>) {
    this.settings = settings
    this.repository = deps.repository
    this.namespace = deps.namespace
    this.sha = deps.sha
    this.log = deps.log
    registerSecret(settings.apiKey)
    this.api = new CastrelApi(
      new HttpClient({ vendor: 'Castrel', baseUrl: settings.apiUrl, tokens: staticTokens(settings.apiKey), log: deps.log, hintFor }),
      hintFor,
      deps.log
    )
  }

  rejects(doc: LocalDoc): string | undefined {
    return TEXT_EXTENSIONS.test(doc.path) ? undefined : 'is not Markdown or text; Castrel document knowledge holds Markdown'
  }

  async authenticate(): Promise<void> {
    await this.api.list({ page: { page_no: 1, page_size: 1 } }, 'check the personal access token')
  }

  async ensureStore(): Promise<StoreInfo> {
    // Castrel has no store to create: knowledge lives on the instance, and our labels group it.
    return { id: '-', name: new URL(this.settings.apiUrl).host, created: false, exists: true }
  }

  async listOwned(): Promise<RemoteDoc[]> {
    const mine = await this.listLabelled([
      { key: LABEL_MANAGED_BY, value: MANAGED_BY },
      { key: LABEL_REPO, value: this.namespace }
    ])
    return ownedKnowledge(mine, this.namespace)
  }

  /**
   * The knowledge carrying these labels. The docs document `filters.labels` but not what a server
   * does with it: one that ignores it answers everything (harmless: every label is checked again
   * by the caller); one that refuses it (an envelope error) gets the same listing without the
   * filter, filtered here by the labels in each item.
   */
  private async listLabelled(values: Array<{ key: string; value: string }>): Promise<Knowledge[]> {
    if (!this.labelFilterRefused) {
      try {
        return await this.api.listAll({ labels: { operator: 'eq', values } })
      } catch (error) {
        if (
          !(error instanceof CastrelEnvelopeError) ||
          error.envelopeCode < 400 ||
          error.envelopeCode >= 500 ||
          error.envelopeCode === 401 ||
          error.envelopeCode === 403
        )
          throw error
        this.labelFilterRefused = true
        this.log.warning(
          `Castrel refused the label filter of the knowledge list (${errorMessage(error)}): the action assumed the list endpoint filters by labels, as documented. It lists all knowledge instead and picks its own by the labels on each entry, which takes longer on a large instance.`
        )
      }
    }
    const all = await this.api.listAll(undefined)
    return all.filter((k) => values.every(({ key, value }) => k.labels?.[key] === value))
  }

  /** Only asked when this namespace owns nothing, so the extra listing is rare. */
  async otherNamespaces(keys: readonly string[]): Promise<string[]> {
    const ours = await this.listLabelled([{ key: LABEL_MANAGED_BY, value: MANAGED_BY }])
    const wanted = new Set(keys)
    const found = new Set<string>()
    for (const k of ours) {
      const labels = k.labels ?? {}
      const repo = labels[LABEL_REPO]
      const path = labels[LABEL_PATH]
      if (labels[LABEL_MANAGED_BY] !== MANAGED_BY || labels[LABEL_STATUS] === 'removed' || typeof repo !== 'string' || repo === '' || repo === this.namespace)
        continue
      if (typeof path === 'string' && wanted.has(path)) found.add(repo)
    }
    return [...found].sort()
  }

  /** Unchanged only when the bytes and where the knowledge applies (trigger) are both as configured. */
  isUnchanged(local: LocalDoc, remote: RemoteDoc): boolean {
    if (remote.meta?.duplicate || remote.digest !== local.digests.sha256) return false
    return remote.meta?.trigger === this.settings.trigger && sameJson(remote.meta?.triggerConfig, this.settings.triggerConfig)
  }

  async upload(doc: LocalDoc, previous: RemoteDoc | undefined): Promise<UploadResult> {
    const markdown = (await readDoc(doc)).toString('utf8')
    const fields = {
      name: knowledgeName(doc.key),
      type: 'document' as const,
      trigger: this.settings.trigger,
      trigger_config: this.settings.triggerConfig,
      description: `Synced from ${this.repository}/${doc.key} by Knowledge Sync.`,
      data: { document_content: markdown },
      // Labels someone added by hand to our entry are kept: the server may replace labels wholesale.
      labels: { ...previousLabels(previous), [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_REPO]: this.namespace, [LABEL_PATH]: doc.key, [LABEL_STATUS]: 'active' },
      metadata: { sha256: doc.digests.sha256, commit: this.sha, path: doc.key }
    }
    if (previous && previous.ids.length === 1) {
      // Update in place by id: a changed trigger would otherwise make upsert create a second entry.
      const entryId = Number(previous.ids[0])
      await this.api.update({ id: entryId, ...fields }, `update the knowledge for ${doc.key}`)
      return { detail: `knowledge #${entryId}` }
    }
    // New docs (and revived removed ones) go through upsert: its identity (name + trigger +
    // trigger_config) makes a re-run after a crash update instead of duplicate.
    fields.name = await this.unclaimedName(doc.key)
    const saved = await this.api.upsert(fields, `save the knowledge for ${doc.key}`)
    const warnings: string[] = []
    for (const extra of previous?.ids ?? []) {
      if (saved && String(saved.id) === extra) continue
      await this.tombstone(Number(extra), doc.key, `${doc.key} had a second copy`, {})
      warnings.push(`entry #${extra} was a second copy of this doc and was marked removed`)
    }
    return { detail: saved ? `knowledge #${saved.id}` : 'saved', warnings }
  }

  /**
   * Upsert matches on name + trigger + trigger_config, so an entry someone made by hand with our
   * name would be overwritten. Use the doc's path as the name unless such an entry exists; then a
   * name that also carries the namespace, which is as stable across runs.
   */
  private async unclaimedName(key: string): Promise<string> {
    const candidates = [knowledgeName(key), knowledgeName(`${key} (${this.namespace})`), knowledgeName(`${key} (${this.namespace}, knowledge-sync)`)]
    for (const name of candidates) {
      const { items } = await this.api.list(
        { filters: { name: { operator: 'eq', value: name } }, page: { page_no: 1, page_size: 200 } },
        `check that the name ${name} is free`
      )
      const sameIdentity = items.filter(
        (k) => k.name === name && k.trigger === this.settings.trigger && sameJson(k.trigger_config ?? {}, this.settings.triggerConfig)
      )
      const foreign = sameIdentity.filter(
        (k) => k.labels?.[LABEL_MANAGED_BY] !== MANAGED_BY || k.labels?.[LABEL_REPO] !== this.namespace || k.labels?.[LABEL_PATH] !== key
      )
      if (foreign.length === 0) return name
    }
    throw new Error(`every name for ${key} is taken by knowledge the action did not create; rename one of those entries in Castrel`)
  }

  async remove(remote: RemoteDoc): Promise<RemoveResult> {
    for (const [i, entryId] of remote.ids.entries()) {
      await this.tombstone(Number(entryId), remote.key, `${remote.key} was deleted`, i === 0 ? previousLabels(remote) : {})
    }
    return { action: 'tombstoned', detail: `knowledge #${remote.ids.join(', #')}; Castrel's API has no delete, so it is labelled for deletion in the UI` }
  }

  /** Castrel's API cannot delete: mark the entry so it is easy to find (label filter) and delete in the UI. */
  private async tombstone(entryId: number, key: string, why: string, keep: Record<string, string>): Promise<void> {
    await this.api.update(
      {
        id: entryId,
        description: `[removed from ${this.repository}: ${why}] Knowledge Sync cannot delete through the API; delete this entry in Castrel.`,
        labels: { ...keep, [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_REPO]: this.namespace, [LABEL_PATH]: key, [LABEL_STATUS]: 'removed' }
      },
      `mark the knowledge for ${key} as removed`
    )
    this.log.debug(`Castrel: knowledge #${entryId} (${key}) marked removed`)
  }
}

/**
 * One RemoteDoc per `path` label among the live entries labelled as this namespace's. The server's
 * label filter semantics are not documented in detail, so every label is checked again here.
 */
export function ownedKnowledge(items: readonly Knowledge[], namespace: string): RemoteDoc[] {
  const byKey = new Map<string, RemoteDoc>()
  for (const k of items) {
    const labels = k.labels ?? {}
    if (labels[LABEL_MANAGED_BY] !== MANAGED_BY || labels[LABEL_REPO] !== namespace) continue
    const key = labels[LABEL_PATH]
    if (typeof key !== 'string' || key === '' || labels[LABEL_STATUS] === 'removed') continue
    const sha256 = typeof k.metadata?.sha256 === 'string' ? k.metadata.sha256 : undefined
    const existing = byKey.get(key)
    if (existing) {
      // Two live entries for one path (a trigger changed by hand): never call that unchanged.
      byKey.set(key, { key, ids: [...existing.ids, String(k.id)], meta: { ...existing.meta, duplicate: true } })
      continue
    }
    byKey.set(key, {
      key,
      ids: [String(k.id)],
      digest: sha256,
      meta: { trigger: k.trigger, triggerConfig: k.trigger_config ?? {}, name: k.name, labels: definedLabels(labels) }
    })
  }
  return [...byKey.values()]
}

function hintFor(status: number): string | undefined {
  if (status === 401) return 'Check `api-key`: a Castrel personal access token (Settings → Access Tokens) that has not expired or been revoked.'
  if (status === 403) return 'The personal access token may not manage knowledge in this workspace.'
  if (status === 404) return 'Check `api-url`: the base URL of your Castrel instance (the API is under /personal/v1/knowledge/).'
  return undefined
}

function definedLabels(labels: Record<string, string | null | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'))
}

function previousLabels(remote: RemoteDoc | undefined): Record<string, string> {
  const labels = remote?.meta?.labels
  return labels && typeof labels === 'object' ? (labels as Record<string, string>) : {}
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])])
    )
  }
  return value ?? {}
}
