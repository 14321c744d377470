/** A doc in the workspace that matched the `paths` globs and passed the safety checks. */
export interface LocalDoc {
  /** Repo-relative POSIX path, e.g. `docs/guide/intro.md`. */
  readonly path: string
  /** The name the doc has in the remote store: `remote-prefix` + `path`. */
  readonly key: string
  /** Absolute path on disk; read it with `readDoc`, never follow links by hand. */
  readonly absPath: string
  readonly size: number
  /** Hex digests of the bytes. Vendors do not say which algorithm their checksums use, so we keep several. */
  readonly digests: Digests
}

export interface Digests {
  readonly sha256: string
  readonly sha1: string
  readonly md5: string
}

/** A file that matched the globs but will not be read, with the reason shown to the user. */
export interface SkippedFile {
  readonly path: string
  readonly reason: string
  /**
   * The doc holds nothing the vendor can keep (Staffify: an empty file, or only front matter): it is
   * no longer content, so its earlier copy in the store is removed, as a deleted doc's would be.
   */
  readonly noContent?: boolean
}
