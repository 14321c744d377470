export type ChangeStatus = 'added' | 'modified' | 'renamed' | 'removed'

/** One file touched by the triggering event. Paths are repo-relative POSIX paths. */
export interface FileChange {
  readonly path: string
  readonly status: ChangeStatus
  /** Set for renames: the path the file had before. */
  readonly previousPath?: string
}

/**
 * What the event changed. `diff` lists files (not yet filtered by the `paths` globs);
 * `full` means every doc is reconciled, with the reason shown to the user.
 */
export type ChangeSet =
  | {
      readonly kind: 'diff'
      readonly changes: readonly FileChange[]
      /** Human description of where the diff came from, e.g. `push abc123..def456 (local git)`. */
      readonly source: string
    }
  | { readonly kind: 'full'; readonly reason: string }
