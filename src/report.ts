/**
 * The sync report as text: the job summary's Markdown and the `plan` output's JSON, each kept
 * under GitHub's size limit without ever dropping a failure first. Pure; src/publish.ts hands
 * them to the runner.
 */
import { countOutcomes, type ItemResult, type SyncReport } from './plan.js'
import { redact } from './secrets.js'

/** GitHub refuses a step summary over 1 MiB and shows none of it. */
export const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024
/** GitHub caps one output at 1 MB; the margin leaves room for the runner's own framing. */
export const PLAN_OUTPUT_MAX_BYTES = 900 * 1024

const bytes = (text: string) => Buffer.byteLength(text, 'utf8')

/** One operation as the `plan` output and the plan file show it. */
export interface PlanEntry {
  path: string
  key: string
  action: ItemResult['action']
  outcome: ItemResult['outcome']
  reason: string
  previous_path?: string
  detail?: string
}

function planEntry(i: ItemResult): PlanEntry {
  return {
    path: i.path,
    key: i.key,
    action: i.action,
    outcome: i.outcome,
    reason: i.reason,
    ...(i.previousPath ? { previous_path: i.previousPath } : {}),
    ...(i.detail ? { detail: i.detail } : {})
  }
}

/** The whole plan: every planned or performed operation with its reason (the plan file). */
export function planJson(report: SyncReport): string {
  return redact(JSON.stringify(report.items.map(planEntry)))
}

/** Where the rest of a cut-down list is, in the words the `plan` output and the summary use. */
export function elsewhere(planFile: string | undefined): string {
  return planFile
    ? `the plan-file output (${planFile}, every operation as JSON) and the job log's Plan group`
    : "the job log's Plan group (the plan file could not be written)"
}

/**
 * The `plan` output: the whole plan when it fits under GitHub's output limit. Otherwise failed
 * operations come first, then as many others as fit in plan order, and the array ends with
 * `{"truncated": {omitted, omitted_failed, total, see, plan_file}}` saying what is left out and where it is.
 */
export function planOutputJson(report: SyncReport, opts: { planFile?: string; maxBytes?: number } = {}): string {
  const maxBytes = opts.maxBytes ?? PLAN_OUTPUT_MAX_BYTES
  const whole = planJson(report)
  if (bytes(whole) <= maxBytes) return whole

  const failedFirst = [...report.items.filter((i) => i.outcome === 'failed'), ...report.items.filter((i) => i.outcome !== 'failed')]
  const total = report.items.length
  const marker = (omitted: number, omittedFailed: number) =>
    JSON.stringify({
      truncated: { omitted, omitted_failed: omittedFailed, total, see: elsewhere(opts.planFile), ...(opts.planFile ? { plan_file: opts.planFile } : {}) }
    })
  // The marker's size, with counts as wide as they can get.
  const room = maxBytes - bytes(marker(total, total)) - 2
  const kept: string[] = []
  let used = 0
  for (const item of failedFirst) {
    let json = redact(JSON.stringify(planEntry(item)))
    // A vendor's error page as `detail` must not crowd other failures out.
    if (item.outcome === 'failed' && bytes(json) > 2048) json = redact(JSON.stringify({ ...planEntry(item), detail: clip(item.detail ?? '', 1000) }))
    if (used + bytes(json) + 1 > room) break
    kept.push(json)
    used += bytes(json) + 1
  }
  const keptFailed = Math.min(kept.length, failedFirst.filter((i) => i.outcome === 'failed').length)
  const failedTotal = report.items.filter((i) => i.outcome === 'failed').length
  return `[${[...kept, marker(total - kept.length, failedTotal - keptFailed)].join(',')}]`
}

const OUTCOME_LABEL: Record<ItemResult['outcome'], string> = {
  uploaded: '⬆️ uploaded',
  replaced: '🔁 replaced',
  unchanged: '✔️ unchanged',
  deleted: '🗑️ deleted',
  tombstoned: '🪦 marked removed',
  kept: '📌 kept',
  skipped: '⏭️ skipped',
  failed: '❌ failed',
  planned: '📝 planned'
}

const ACTION_LABEL: Record<ItemResult['action'], string> = {
  upload: 'upload',
  replace: 'replace',
  unchanged: 'none',
  delete: 'delete',
  keep: 'keep',
  skip: 'skip'
}

/**
 * Text from file names and vendors goes into Markdown tables: a `|` would break the table and
 * `<` could inject HTML, and a newline in a file name would end the row.
 */
export function cell(text: string): string {
  return redact(text)
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/`/g, "'")
}

/** Cuts before escaping, so an entity or an escape is never split. */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

/** Rows are shown failed, changed, skipped, then unchanged (collapsed). */
type Group = 'failed' | 'changed' | 'skipped' | 'unchanged'
const GROUP: Record<ItemResult['outcome'], Group> = {
  failed: 'failed',
  uploaded: 'changed',
  replaced: 'changed',
  deleted: 'changed',
  tombstoned: 'changed',
  planned: 'changed',
  skipped: 'skipped',
  kept: 'skipped',
  unchanged: 'unchanged'
}
/** Groups in the order their rows are cut from a summary that would be too large. */
const CUT_ORDER: readonly Group[] = ['unchanged', 'changed', 'skipped']
const GROUP_NOUN: Record<Group, string> = { failed: 'failed', changed: 'changed', skipped: 'skipped or kept', unchanged: 'unchanged' }

/** Room kept for the note that says what was left out (plus the plan file's path). */
const NOTE_ROOM = 600
/** The longest "why" a row shows; the plan file has the whole text. */
const WHY_MAX = 1000
/** When failures alone would pass the limit, each one says less so that all of them are listed. */
const WHY_MAX_CROWDED = 200
/** Warnings beyond this many are left to the job log, where each is an annotation. */
const WARNINGS_SHOWN = 50

function row(i: ItemResult, whyMax: number): string {
  const why = clip(i.detail ? `${i.reason} — ${i.detail}` : i.reason, whyMax)
  return `| \`${cell(i.path)}\` | ${ACTION_LABEL[i.action]} | ${OUTCOME_LABEL[i.outcome]} | ${cell(why)} |`
}

const TABLE_HEAD = ['| File | Action | Outcome | Why |', '|---|---|---|---|']

export interface SummaryOptions {
  /** The most UTF-8 bytes the section may take (the runner's limit less what else the step writes). */
  maxBytes?: number
  /** The plan file's path, named where rows are left out. */
  planFile?: string
}

/**
 * The job summary section for the sync, as Markdown: failed docs first, then changed, then
 * skipped, and unchanged ones collapsed. Over `maxBytes`, rows are left out (unchanged first,
 * then changed, then skipped) and the summary says how many and where they are; failures stay.
 */
export function syncSummaryMarkdown(report: SyncReport, opts: SummaryOptions = {}): string {
  const maxBytes = opts.maxBytes ?? STEP_SUMMARY_LIMIT_BYTES
  const head = summaryHead(report)
  if (report.items.length === 0) return `${head.join('\n')}\nNo docs matched the \`paths\` globs in this change.\n`

  const byGroup: Record<Group, ItemResult[]> = { failed: [], changed: [], skipped: [], unchanged: [] }
  for (const i of report.items) byGroup[GROUP[i.outcome]].push(i)
  const all: Record<Group, number> = {
    failed: byGroup.failed.length,
    changed: byGroup.changed.length,
    skipped: byGroup.skipped.length,
    unchanged: byGroup.unchanged.length
  }
  // Rows are escaped once, and only for groups that get shown.
  type Rows = (g: Group) => string[]
  const rowsAt = (whyMax: number): Rows => {
    const cache: Partial<Record<Group, string[]>> = {}
    return (g) => (cache[g] ??= byGroup[g].map((i) => row(i, whyMax)))
  }
  const shownRows = (rows: Rows, shown: Record<Group, number>, g: Group) => (shown[g] > 0 ? rows(g).slice(0, shown[g]) : [])

  const render = (rows: Rows, shown: Record<Group, number>): string => {
    const lines = [...head]
    const main = (['failed', 'changed', 'skipped'] as const).flatMap((g) => shownRows(rows, shown, g))
    if (main.length > 0) lines.push(...TABLE_HEAD, ...main)
    if (all.unchanged > 0) {
      lines.push('', `<details><summary>${all.unchanged} unchanged doc${all.unchanged === 1 ? '' : 's'}</summary>`, '')
      if (shown.unchanged > 0) lines.push(...TABLE_HEAD, ...shownRows(rows, shown, 'unchanged'))
      lines.push('', '</details>')
    }
    const left = (Object.keys(all) as Group[]).filter((g) => shown[g] < all[g]).map((g) => `${all[g] - shown[g]} ${GROUP_NOUN[g]}`)
    if (left.length > 0) {
      lines.push(
        '',
        `> ℹ️ Not listed here, to stay under GitHub's 1 MiB job summary limit: ${left.join(', ')} of ${report.items.length} docs. ` +
          `Every operation is in ${cell(elsewhere(opts.planFile))}.`
      )
    }
    return `${lines.join('\n')}\n`
  }

  let rows = rowsAt(WHY_MAX)
  const full = render(rows, all)
  if (bytes(full) <= maxBytes) return full

  // Too large: drop rows from the end of each group, unchanged first, until the rest fits with
  // room for the note that says so. When the failures alone would not fit, only failures are
  // listed, each saying less.
  const lineBytes = (lines: readonly string[]) => lines.reduce((n, l) => n + bytes(l) + 1, 0)
  const crowded = lineBytes(head) + lineBytes(rows('failed')) > maxBytes - NOTE_ROOM
  if (crowded) rows = rowsAt(WHY_MAX_CROWDED)
  const shown = crowded ? { failed: all.failed, changed: 0, skipped: 0, unchanged: 0 } : { ...all }
  const room = maxBytes - NOTE_ROOM - bytes(opts.planFile ?? '')
  let size = bytes(render(rows, shown))
  // Failures are cut only when every other row is gone and they alone pass the limit (thousands
  // of them): GitHub would then show no summary at all. The note still counts them.
  for (const g of [...CUT_ORDER, 'failed' as const]) {
    while (size > room && shown[g] > 0) {
      shown[g]--
      size -= bytes(rows(g)[shown[g]]!) + 1
    }
  }
  return render(rows, shown)
}

function summaryHead(report: SyncReport): string[] {
  const c = countOutcomes(report.items)
  const store = report.store ? ` → \`${cell(report.store.name)}\`${report.store.created ? ' (created by this run)' : ''}` : ''
  const lines: string[] = []
  lines.push(`## Knowledge Sync: ${report.vendorName}${store}`)
  lines.push('')
  lines.push(`**Scope:** ${report.scope === 'full' ? 'full reconcile' : 'changed docs only'} — ${cell(report.scopeReason)}`)
  if (report.dryRun) lines.push('', '> **Dry run:** nothing was written to the store. The table shows what a real run would do.')
  lines.push('')
  lines.push(`| uploaded | deleted | unchanged | skipped | failed |${report.dryRun ? ' planned |' : ''}`)
  lines.push(`|---:|---:|---:|---:|---:|${report.dryRun ? '---:|' : ''}`)
  lines.push(`| ${c.uploaded} | ${c.deleted} | ${c.unchanged} | ${c.skipped} | ${c.failed} |${report.dryRun ? ` ${c.planned} |` : ''}`)
  for (const e of report.errors) lines.push('', `> ❌ ${cell(clip(e, 4 * WHY_MAX))}`)
  for (const w of report.warnings.slice(0, WARNINGS_SHOWN)) lines.push('', `> ⚠️ ${cell(clip(w, WHY_MAX))}`)
  if (report.warnings.length > WARNINGS_SHOWN) lines.push('', `> ⚠️ …and ${report.warnings.length - WARNINGS_SHOWN} more warnings, each in the job log.`)
  lines.push('')
  return lines
}
