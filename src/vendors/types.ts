import type { LocalDoc } from '../docs/types.js'
import type { InputSpecs, InputValues, RawInputs } from '../input-kinds.js'
import type { Log } from '../log.js'
import type { SharedSettings } from '../shared-settings.js'
import type { TokenCache } from '../tokens.js'

/**
 * A doc as the remote store holds it. Only content the action created is ever listed:
 * each adapter knows how to tell its own objects from those a person added by hand.
 */
export interface RemoteDoc {
  /** The doc's name in the store: the `key` of the LocalDoc it was synced from. */
  readonly key: string
  /** Vendor ids of everything that holds this doc (one object, several Q&A entries, one source…). */
  readonly ids: readonly string[]
  /** The content digest the store reports or we stored with the doc, if any (hex, any algorithm). */
  readonly digest?: string
  /** Adapter-private details (e.g. an entry's stored hash, a source's status). */
  readonly meta?: Readonly<Record<string, unknown>>
}

export interface StoreInfo {
  /** The id the vendor uses for the store (KS slug, `kb_…`, UUID, or `-` where there is none). */
  readonly id: string
  readonly name: string
  /** True when this run created the store. */
  readonly created: boolean
  /** False only in a dry run where the store does not exist yet (nothing to list). */
  readonly exists: boolean
}

export interface UploadResult {
  /** Short human detail for the per-file table: `object 01H…`, `3 entries`, `source 2222…`. */
  readonly detail: string
  /** Non-fatal problems worth a warning (e.g. an entry whose embedding failed twice). */
  readonly warnings?: readonly string[]
  /**
   * Older copies this upload replaced but could not delete: the doc is current, but the store
   * holds it twice. The run fails naming them, so it is not taken as a synced state: the next push
   * run diffs from an earlier commit (or reconciles everything) and covers this doc again.
   */
  readonly leftovers?: readonly string[]
  /**
   * The vendor already held these bytes, found out only while uploading (Telzino lists no hashes
   * but refuses a duplicate): nothing was written, and the doc counts as unchanged.
   */
  readonly unchanged?: boolean
}

export interface RemoveResult {
  /** `deleted` when the content is gone; `tombstoned` where the vendor has no delete (Castrel). */
  readonly action: 'deleted' | 'tombstoned'
  readonly detail?: string
}

/** Context the executor gives a batch upload so the adapter may use a vendor's snapshot sync safely. */
export interface BatchContext {
  /**
   * True when `docs` are all the docs the action owns in this store after the run and every owned
   * remote doc missing from them is planned for deletion within the user's limits. Only then may
   * an adapter let the vendor delete on its own (StackSpot's zip `auto-delete=true`).
   */
  readonly completeSnapshot: boolean
  /**
   * Every doc in scope after the run, unchanged ones included. A snapshot upload with auto-delete
   * must send all of them, or the vendor would delete the unchanged ones.
   */
  readonly allDocs: readonly LocalDoc[]
  /** Owned remote docs as listed before the run. */
  readonly remote: ReadonlyMap<string, RemoteDoc>
}

export interface BatchResult {
  /** Docs the batch handled, by key. */
  readonly done: ReadonlyMap<string, UploadResult>
  /** Docs the batch could not take (size, vendor refusal): the executor uploads them one by one. */
  readonly fallback: readonly LocalDoc[]
  /** Keys whose remote copy the batch already deleted (a snapshot with auto-delete). */
  readonly deletedKeys?: ReadonlySet<string>
}

/**
 * One vendor's knowledge store. The executor calls, in order: authenticate → ensureStore →
 * listOwned → (uploadBatch | upload)* → remove*. Every method throws on failure with a message the
 * user can act on (VendorHttpError or ActionError).
 */
export interface VendorAdapter {
  /** The vendor's id in the registry (`stackspot`). */
  readonly id: string
  /** For messages and the summary: `StackSpot AI`. */
  readonly displayName: string
  /** Files larger than this are reported and skipped before any request. */
  readonly maxFileBytes: number
  /** Why this vendor cannot take the file (unsupported type…), or undefined when it can. */
  rejects?(doc: LocalDoc): string | undefined
  /**
   * Why the doc holds nothing this vendor can keep (empty, only front matter), or undefined. Such a
   * doc is skipped and its earlier copy in the store removed. May read the doc; asked only for docs
   * whose copy in the store differs (an unchanged copy was made from the same bytes).
   */
  noContent?(doc: LocalDoc): Promise<string | undefined>
  /** Fail fast on a bad credential, before anything is read or written remotely. */
  authenticate(): Promise<void>
  /** Find the store; create it when allowed. In a dry run, never create. */
  ensureStore(opts: { create: boolean; dryRun: boolean }): Promise<StoreInfo>
  /** Everything this action created in the store under this run's namespace, one RemoteDoc per doc key. */
  listOwned(): Promise<RemoteDoc[]>
  /**
   * The other namespaces under which the store holds docs this action wrote with one of `keys`
   * ('' for docs written before namespaces existed), sorted. Asked after listOwned, only when this
   * namespace owns nothing on a full reconcile: a renamed repository's docs stay under its old name.
   */
  otherNamespaces?(keys: readonly string[]): Promise<string[]>
  /** Whether the remote copy already holds these bytes. Default: `remote.digest` equals one of `local.digests`. */
  isUnchanged?(local: LocalDoc, remote: RemoteDoc): boolean
  /**
   * Upload a new doc or replace `previous`, waiting until the vendor has processed it. On failure
   * the previous version must still be in the store; on success it must be gone.
   */
  upload(doc: LocalDoc, previous: RemoteDoc | undefined): Promise<UploadResult>
  /** Optional: upload many docs in fewer requests (StackSpot zip batch). */
  uploadBatch?(docs: readonly LocalDoc[], ctx: BatchContext): Promise<BatchResult>
  /** Remove a doc whose file was deleted. */
  remove(remote: RemoteDoc): Promise<RemoveResult>
}

export interface VendorDeps {
  readonly log: Log
  /** Repository `owner/name`, for descriptions a person reads (`Synced from octo/docs`). */
  readonly repository: string
  /**
   * Whose docs these are (the `namespace` input, by default the repository): every doc the adapter
   * writes carries it, and listOwned returns only docs that carry it, with keys free of it.
   */
  readonly namespace: string
  /** Commit being synced. */
  readonly sha: string
  /** The run's OAuth token sources, one per credential, so the sync and the agent share a token. */
  readonly tokenCache: TokenCache
}

/**
 * Everything the action knows about one vendor, declared in its folder: the registry lists these,
 * and src/inputs.ts reads and checks the vendor's inputs from here.
 */
export interface VendorModule<Id extends string = string, I extends InputSpecs = InputSpecs> {
  readonly id: Id
  /**
   * The inputs this vendor reads besides the shared ones, keyed by their Settings field. Vendors
   * may declare the same input (`api-key`) alike; every vendor's inputs are checked whichever
   * vendor is chosen, so a typo fails early.
   */
  readonly inputs: I
  /** What `knowledge-base` names (`Knowledge Source slug`), which makes it required; undefined for a vendor without a store to name (Castrel). */
  readonly storeNoun?: string
  /** The public API, used when `api-url` is empty; '' where every customer has their own host. */
  readonly defaultApiUrl: string
  /** The token endpoint to call, from `auth-url` as given ('' when empty); absent for vendors with no OAuth. */
  authUrl?(given: string, values: InputValues<I>): string
  /** One message per empty input the vendor cannot work without (`knowledge-base` is checked by `storeNoun`). Also listed when another input is bad. */
  missingInputs(raw: RawInputs): string[]
  /** Why `knowledge-base` (as given) cannot name this vendor's store, if it cannot. */
  knowledgeBaseProblem?(raw: string): string | undefined
  /** Problems with the vendor's parsed inputs taken together (a Castrel trigger without its config key). */
  problems?(values: InputValues<I>): string[]
  /** Builds the adapter, handing it only the settings it uses (its vendor's own plus a few shared ones). */
  create(settings: SharedSettings & InputValues<I>, deps: VendorDeps): VendorAdapter
}
