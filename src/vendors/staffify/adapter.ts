/** (Over 350 lines: the upload's add → list → wait for embeddings → replace steps and their fallbacks read best together.) */
/**
 * Staffify Knowledge Bases: each Markdown doc becomes Q&A entries (see entries.ts), recognised on
 * the remote by the tag at the end of their questions, which names `<namespace>/<key>`. The
 * knowledge base is never deleted or recreated (that would detach it from the agents using it), and
 * entries without our tag (added by hand or crawled) or with another namespace's are never listed,
 * changed or deleted.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { ActionError, VendorHttpError, errorMessage } from '../../errors.js'
import { readDoc } from '../../docs/read.js'
import type { LocalDoc } from '../../docs/types.js'
import type { Log } from '../../log.js'
import { otherNamespaces, storedName } from '../../namespace.js'
import type { RemoteDoc, RemoveResult, StoreInfo, UploadResult, VendorAdapter, VendorDeps } from '../types.js'
import { StaffifyApi } from './api.js'
import { writeUnlessLanded } from '../lost-answer.js'
import {
  DIGEST_CHARS,
  batches,
  docToEntries,
  keyProblem,
  ownedByKey,
  parseTag,
  titleFromPath,
  type LimitUnit,
  type OwnedEntries,
  type QaEntry
} from './entries.js'
import type { Entry } from './schema.js'
import type { StaffifySettings } from './settings.js'

/** Extensions turned into entries: Markdown, and plain text read as Markdown without headings. */
const TEXT_EXTENSIONS = ['.md', '.markdown', '.mdx', '.txt']
/**
 * A doc this large already makes ~260 entries, each counting against the plan's entry cap;
 * larger files are almost always generated content that does not belong in a voice agent's KB.
 */
export const MAX_DOC_BYTES = 2 * 1024 * 1024
const KB_ID = /^kb_[A-Za-z0-9_-]+$/
/** How long an upload waits for its entries' embeddings (at most `processing-timeout`) before retrying them. */
const EMBEDDING_WAIT_MS = 15_000

export class StaffifyAdapter implements VendorAdapter {
  readonly id = 'staffify'
  readonly displayName = 'Staffify'
  readonly maxFileBytes = MAX_DOC_BYTES
  private readonly settings: StaffifySettings
  private readonly log: Log
  private readonly api: StaffifyApi
  private kbId: string | undefined
  /** The doc groups as listOwned saw them, so an upload can see a complete version a crashed run left. */
  private listed = new Map<string, OwnedEntries>()
  /** Orders writes and listings: a listing started after a doc's writes finished shows them. */
  private tick = 0
  private listing: { startedAt: number; entries: Promise<Entry[]> } | undefined
  private queuedListing: Promise<Entry[]> | undefined
  /** Set when the key cannot write at all (read-only, no credits): the remaining docs are not tried. */
  private blocked: string | undefined
  /** What the entry limit counts: characters as documented, until Staffify refuses an entry within them. */
  private limitUnit: LimitUnit = 'characters'

  private readonly repository: string
  private readonly namespace: string
  /** The tags' doc names as listOwned saw them, every namespace's, for otherNamespaces. */
  private taggedNames: string[] = []

  constructor(settings: StaffifySettings, deps: Pick<VendorDeps, 'log' | 'repository' | 'namespace'>) {
    this.settings = settings
    this.log = deps.log
    this.repository = deps.repository
    this.namespace = deps.namespace
    this.api = new StaffifyApi({ apiKey: settings.apiKey, apiUrl: settings.apiUrl, projectId: settings.projectId, log: deps.log })
  }

  rejects(doc: LocalDoc): string | undefined {
    const lower = doc.path.toLowerCase()
    if (!TEXT_EXTENSIONS.some((ext) => lower.endsWith(ext))) {
      return `Staffify keeps Q&A entries: only Markdown and text docs (${TEXT_EXTENSIONS.join(', ')}) are turned into entries`
    }
    return keyProblem(storedName(this.namespace, doc.key))
  }

  /** An empty doc, or one with only front matter or blank lines (a Hugo `_index.md`), makes no entry. */
  async noContent(doc: LocalDoc): Promise<string | undefined> {
    if (doc.size === 0) return 'empty file: nothing to turn into entries'
    let markdown: string
    try {
      markdown = decodeText(await readDoc(doc), doc.path)
    } catch {
      // Not readable as text: the upload reports why.
      return undefined
    }
    return this.entriesOf(doc, markdown).length === 0 ? 'has no text to turn into entries (only front matter or blank lines)' : undefined
  }

  private entriesOf(doc: LocalDoc, markdown: string, limitUnit: LimitUnit = this.limitUnit): QaEntry[] {
    return docToEntries({
      key: storedName(this.namespace, doc.key),
      markdown,
      digest: doc.digests.sha256.slice(0, DIGEST_CHARS),
      fallbackTitle: titleFromPath(doc.path),
      limitUnit
    })
  }

  async authenticate(): Promise<void> {
    if (this.settings.apiKey.startsWith('sfy_org_') && !this.settings.projectId) {
      throw new ActionError(
        'The Staffify `api-key` is an organization key (sfy_org_…), which needs a project.',
        'Set `project-id` to the Staffify project to use, or use a project key (sfy_live_…).'
      )
    }
    await this.api.checkKey()
  }

  async ensureStore(opts: { create: boolean; dryRun: boolean }): Promise<StoreInfo> {
    const ref = this.settings.knowledgeBase
    if (KB_ID.test(ref)) {
      const kb = await this.api.getKnowledgeBase(ref)
      if (kb) return this.use(kb.public_id, kb.name, false)
    }
    const matches = []
    for await (const kb of this.api.knowledgeBases()) if (kb.name === ref) matches.push(kb)
    if (matches.length > 1) {
      throw new ActionError(
        `${matches.length} Staffify knowledge bases are named "${ref}" (${matches.map((k) => k.public_id).join(', ')}).`,
        'Set `knowledge-base` to the id (kb_…) of the one to sync.'
      )
    }
    if (matches.length === 1) return this.use(matches[0]!.public_id, matches[0]!.name, false)
    if (KB_ID.test(ref)) {
      throw new ActionError(
        `Staffify knowledge base ${ref} was not found with this API key.`,
        'Check `knowledge-base` (an id is never created; give a name to have it created).'
      )
    }
    if (opts.dryRun) return { id: '-', name: ref, created: false, exists: false }
    if (!opts.create) {
      throw new ActionError(`No Staffify knowledge base is named "${ref}".`, 'Create it in Staffify, fix `knowledge-base`, or set `create-if-missing: true`.')
    }
    if (this.settings.knowledgeBaseName && this.settings.knowledgeBaseName !== ref) {
      // The name is how later runs find the knowledge base again: another name would create a new one each run.
      this.log.warning(
        `\`knowledge-base-name\` is not used with Staffify: the knowledge base is created with the name in \`knowledge-base\` ("${ref}"), which is how later runs find it.`
      )
    }
    const description = this.settings.knowledgeBaseDescription || `Docs from ${this.repository || 'the repository'}, kept in step by Knowledge Sync.`
    const kb = await this.api.createKnowledgeBase(ref, description)
    this.log.info(`Created Staffify knowledge base "${kb.name}" (${kb.public_id}). Attach it to your agents in Staffify to use it.`)
    return this.use(kb.public_id, kb.name, true)
  }

  private use(kbId: string, name: string, created: boolean): StoreInfo {
    this.kbId = kbId
    return { id: kbId, name, created, exists: true }
  }

  private kb(): string {
    if (!this.kbId) throw new Error('ensureStore must run before the knowledge base is used')
    return this.kbId
  }

  async listOwned(): Promise<RemoteDoc[]> {
    const all = await this.api.entries(this.kb())
    this.taggedNames = all.map((e) => parseTag(e.question)?.key).filter((k) => k !== undefined)
    const owned = ownedByKey(all, this.namespace)
    this.listed = owned
    const docs: RemoteDoc[] = []
    const unembedded: Array<{ key: string; entry: Entry }> = []
    for (const [key, group] of owned) {
      const digest = group.settledDigest()
      docs.push({ key, ids: group.entries.map((e) => e.entry.id), digest, meta: { entries: group.entries.length, settled: digest !== undefined } })
      for (const { entry } of group.entries) if (entry.has_embedding === false) unembedded.push({ key, entry })
    }
    if (unembedded.length > 0) await this.retryLeftovers(unembedded)
    return docs
  }

  async otherNamespaces(keys: readonly string[]): Promise<string[]> {
    return otherNamespaces(this.namespace, this.taggedNames, keys)
  }

  /** Entries of earlier runs still without an embedding are invisible to the agent's search. */
  private async retryLeftovers(unembedded: Array<{ key: string; entry: Entry }>): Promise<void> {
    const keys = [...new Set(unembedded.map((u) => u.key))]
    if (this.settings.dryRun) {
      this.log.warning(
        `${unembedded.length} Staffify entries of ${keys.join(', ')} have no embedding, so agents cannot find them; a real run asks Staffify to retry.`
      )
      return
    }
    const outcome = await this.retryEmbeddings(
      unembedded.map((u) => u.entry),
      keys.join(', ')
    )
    this.log.warning(`${unembedded.length} Staffify entries of ${keys.join(', ')} had no embedding, so agents could not find them; ${outcome}.`)
  }

  /**
   * All entries, as listed after `writtenAt`. At most one listing runs at a time: docs whose
   * writes finished while it ran wait for the next one and share it, so a big knowledge base is
   * not paged through once per doc.
   */
  private entriesAfter(writtenAt: number): Promise<Entry[]> {
    const running = this.listing
    if (!running) return this.startListing()
    if (running.startedAt > writtenAt) return running.entries
    this.queuedListing ??= running.entries
      .then(
        () => undefined,
        () => undefined
      )
      .then(() => {
        this.queuedListing = undefined
        return this.startListing()
      })
    return this.queuedListing
  }

  private startListing(): Promise<Entry[]> {
    const listing = { startedAt: this.tick++, entries: this.api.entries(this.kb()) }
    this.listing = listing
    const done = () => {
      if (this.listing === listing) this.listing = undefined
    }
    listing.entries.then(done, done)
    return listing.entries
  }

  isUnchanged(local: LocalDoc, remote: RemoteDoc): boolean {
    return remote.digest !== undefined && remote.digest.length === DIGEST_CHARS && local.digests.sha256.startsWith(remote.digest)
  }

  /**
   * Adds the new entries first and only then deletes the doc's older ones, so the knowledge base
   * never lacks the doc. A crash in between leaves both versions; the next run sees an unsettled
   * doc, finds the new version complete, and only deletes.
   */
  async upload(doc: LocalDoc, previous: RemoteDoc | undefined): Promise<UploadResult> {
    return this.unlessBlocked(() => this.replaceEntries(doc, previous))
  }

  private async unlessBlocked<T>(write: () => Promise<T>): Promise<T> {
    if (this.blocked) throw new ActionError(`Not tried: ${this.blocked}`)
    try {
      return await write()
    } catch (error) {
      if (error instanceof VendorHttpError && (error.code === 'READ_ONLY_KEY' || error.code === 'INSUFFICIENT_CREDITS' || error.status === 402)) {
        this.blocked ??= errorMessage(error)
      }
      throw error
    }
  }

  private async replaceEntries(doc: LocalDoc, previous: RemoteDoc | undefined): Promise<UploadResult> {
    const kb = this.kb()
    const markdown = decodeText(await readDoc(doc), doc.path)
    const digest = doc.digests.sha256.slice(0, DIGEST_CHARS)
    let entries = this.entriesOf(doc, markdown, this.limitUnit)
    if (entries.length === 0) throw new ActionError(`${doc.path} has no text to turn into Staffify entries.`)

    const before = previous ? this.listed.get(previous.key) : undefined
    const reused = before?.complete(digest, entries.length) !== undefined
    if (!reused) {
      try {
        for (const batch of batches(entries)) await this.addEntries(kb, batch, doc.path)
      } catch (error) {
        if (this.limitUnit === 'bytes' || !refusedForSize(error)) throw error
        // Entries within 8,000 characters were refused as too long: the limit counts more than
        // characters (bytes). Sized in UTF-8 bytes they fit whatever it counts; entries of the
        // first sizing that did get in are stale now and go with the older version below.
        this.limitUnit = 'bytes'
        this.log.warning(
          `Staffify refused an entry of ${doc.path} within 8,000 characters as too long (${errorMessage(error)}): its limit seems to count bytes, not characters as documented. Entries are sized in UTF-8 bytes from now on.`
        )
        entries = this.entriesOf(doc, markdown, 'bytes')
        for (const batch of batches(entries)) await this.addEntries(kb, batch, doc.path)
      }
    }

    // The POST answers with a count only: the listing is how we learn the new entries' ids.
    const now = ownedByKey(await this.entriesAfter(this.tick++), this.namespace).get(doc.key)
    const current = now?.complete(digest, entries.length)
    if (!current) {
      throw new ActionError(
        `Staffify does not list all ${entries.length} new entries of ${doc.path} after adding them.`,
        'The previous version was kept; the next run completes the update.'
      )
    }
    const keep = new Set([...current.values()].map((e) => e.id))
    const stale = (now?.entries ?? []).filter(({ entry }) => !keep.has(entry.id))
    for (const { entry } of stale) await this.api.deleteEntry(kb, entry.id, doc.path)

    const warnings: string[] = []
    const unembedded = await this.pendingEmbeddings(
      [...current.values()].filter((e) => e.has_embedding === false),
      doc.key
    )
    if (unembedded.length > 0) {
      const outcome = await this.retryEmbeddings(unembedded, doc.path)
      warnings.push(`${unembedded.length} of ${entries.length} Staffify entries had no embedding (agents cannot find them until it exists); ${outcome}.`)
    }
    const parts = [count(entries.length, 'entry', 'entries')]
    if (reused) parts.push('already added by an earlier run')
    if (stale.length > 0) parts.push(`${stale.length} old removed`)
    return { detail: parts.join(', '), warnings }
  }

  /**
   * The entries among `unembedded` still without an embedding after Staffify had a while to make
   * them. The docs say embeddings come "automatically" but not how soon: one that is merely
   * pending must not be reported as failed (nor retried, which may queue it twice).
   */
  private async pendingEmbeddings(unembedded: readonly Entry[], key: string): Promise<Entry[]> {
    if (unembedded.length === 0) return []
    const deadline = Date.now() + Math.min(this.settings.processingTimeoutSeconds * 1000, EMBEDDING_WAIT_MS)
    const ids = new Set(unembedded.map((e) => e.id))
    let still: Entry[] = [...unembedded]
    let wait = 250
    while (still.length > 0 && Date.now() + wait <= deadline) {
      await sleep(wait)
      wait = Math.min(3_000, Math.round(wait * 1.5))
      const listed = (ownedByKey(await this.entriesAfter(this.tick++), this.namespace).get(key)?.entries ?? []).map((e) => e.entry)
      still = listed.filter((e) => ids.has(e.id) && e.has_embedding === false)
    }
    if (still.length < unembedded.length)
      this.log.debug(`Staffify: ${unembedded.length - still.length} entries of ${key} got their embedding after being listed.`)
    return still
  }

  /**
   * Adds one POST's worth of entries. The POST is not idempotent (a second one adds the entries
   * again), so when its answer is lost the listing is asked which of them are in, and only the
   * missing ones are sent once more.
   */
  private async addEntries(kb: string, batch: readonly QaEntry[], what: string): Promise<void> {
    let missing = batch
    const tagOf = (question: string) => {
      const t = parseTag(question)
      return t ? `${t.key} ${t.index}/${t.total} ${t.digest}` : question
    }
    await writeUnlessLanded({
      write: () => this.api.addEntries(kb, missing, what),
      landed: async () => {
        const listed = new Set((await this.entriesAfter(this.tick++)).map((e) => tagOf(e.question)))
        missing = missing.filter((e) => !listed.has(tagOf(e.q)))
        return missing.length === 0 ? ('landed' as const) : undefined
      },
      what: `add ${batch.length} ${batch.length === 1 ? 'entry' : 'entries'} for ${what}`,
      log: this.log
    })
  }

  /**
   * Asks Staffify to embed the entries again. A failure here is reported, not fatal: the entries
   * themselves are in place, and the next run retries them.
   */
  private async retryEmbeddings(entries: readonly Entry[], what: string): Promise<string> {
    let retried = 0
    try {
      for (const entry of entries) if (await this.api.retryEmbedding(this.kb(), entry.id, what)) retried++
      return `asked Staffify to retry ${retried}`
    } catch (error) {
      return `asked Staffify to retry ${retried}, then the retry failed (${errorMessage(error)}); the next run tries again`
    }
  }

  async remove(remote: RemoteDoc): Promise<RemoveResult> {
    return this.unlessBlocked(async () => {
      const kb = this.kb()
      const notFound: string[] = []
      for (const entryId of remote.ids) if (!(await this.api.deleteEntry(kb, entryId, remote.key))) notFound.push(entryId)
      // A 404 alone does not prove the entry is gone (a wrong path answers it too): the listing does.
      if (notFound.length > 0) {
        const listed = new Set((await this.entriesAfter(this.tick++)).map((e) => e.id))
        const still = notFound.filter((id) => listed.has(id))
        if (still.length > 0) {
          throw new ActionError(
            `Staffify answered the delete of ${count(still.length, 'entry', 'entries')} of ${remote.key} (${still.join(', ')}) with 404, yet still lists them: they were not deleted.`,
            'Delete them in Staffify, or re-run later.'
          )
        }
      }
      return { action: 'deleted' as const, detail: count(remote.ids.length, 'entry', 'entries') }
    })
  }
}

/** A 400 whose message says an entry is too long (the limit's wording is not documented). */
function refusedForSize(error: unknown): boolean {
  return error instanceof VendorHttpError && error.status === 400 && /exceed|too long|too large|limit|maximum|8,?000/i.test(error.message)
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

function decodeText(bytes: Buffer, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new ActionError(`${path} is not UTF-8 text, so it cannot be turned into Staffify entries.`, 'Save it as UTF-8 or leave it out of `paths`.')
  }
}
