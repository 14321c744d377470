/** The sync report as text: the job summary's Markdown and the `plan` output's JSON. Pure; src/publish.ts hands it to the runner. */
import { countOutcomes, type ItemResult, type SyncReport } from './plan.js'
import { redact } from './secrets.js'

/** The `plan` output: every planned or performed operation with its reason. */
export function planJson(report: SyncReport): string {
  return JSON.stringify(
    report.items.map((i) => ({
      path: i.path,
      key: i.key,
      action: i.action,
      outcome: i.outcome,
      reason: i.reason,
      ...(i.previousPath ? { previous_path: i.previousPath } : {}),
      ...(i.detail ? { detail: i.detail } : {})
    }))
  )
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

/** The job summary section for the sync, as Markdown. */
export function syncSummaryMarkdown(report: SyncReport): string {
  const c = countOutcomes(report.items)
  const store = report.store ? ` → \`${cell(report.store.name)}\`${report.store.created ? ' (created by this run)' : ''}` : ''
  const lines: string[] = []
  lines.push(`## Knowledge Sync: ${report.vendorName}${store}`)
  lines.push('')
  lines.push(`**Scope:** ${report.scope === 'full' ? 'full reconcile' : 'changed docs only'} — ${cell(report.scopeReason)}`)
  if (report.dryRun) lines.push('', '> **Dry run:** nothing was written to the store. The table shows what a real run would do.')
  lines.push('')
  lines.push('| uploaded | deleted | unchanged | skipped | failed |' + (report.dryRun ? ' planned |' : ''))
  lines.push('|---:|---:|---:|---:|---:|' + (report.dryRun ? '---:|' : ''))
  lines.push(`| ${c.uploaded} | ${c.deleted} | ${c.unchanged} | ${c.skipped} | ${c.failed} |` + (report.dryRun ? ` ${c.planned} |` : ''))
  for (const e of report.errors) lines.push('', `> ❌ ${cell(e)}`)
  for (const w of report.warnings) lines.push('', `> ⚠️ ${cell(w)}`)
  lines.push('')
  if (report.items.length === 0) {
    lines.push('No docs matched the `paths` globs in this change.')
  } else {
    lines.push('| File | Action | Outcome | Why |')
    lines.push('|---|---|---|---|')
    const MAX_ROWS = 1000
    for (const i of report.items.slice(0, MAX_ROWS)) {
      const why = i.detail ? `${i.reason} — ${i.detail}` : i.reason
      lines.push(`| \`${cell(i.path)}\` | ${ACTION_LABEL[i.action]} | ${OUTCOME_LABEL[i.outcome]} | ${cell(why)} |`)
    }
    if (report.items.length > MAX_ROWS) lines.push('', `…and ${report.items.length - MAX_ROWS} more rows (see the \`plan\` output).`)
  }
  return lines.join('\n') + '\n'
}
