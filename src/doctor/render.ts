/** The doctor's report as text: the job summary's Markdown, the log's closing block and the `doctor-report` JSON. Pure. */
import { cell } from '../report.js'
import { redact } from '../secrets.js'
import { duration } from './poll.js'
import type { CheckResult, DoctorReport } from './types.js'

/** Text this action wrote (assumptions, notes): escaped for a table cell, its `code` kept. */
function ours(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
}

const RESULT_LABEL: Record<CheckResult, string> = { held: '✅ held', 'did not hold': '❌ did not hold', 'could not check': '❔ could not check' }

/** One sentence: did the run get through, and did everything hold. */
export function verdict(r: DoctorReport): string {
  const notHeld = r.checks.filter((c) => c.result === 'did not hold').length
  const parts: string[] = []
  if (r.failedStep) parts.push(`stopped at "${r.failedStep.name}": ${r.failedStep.error}`)
  if (notHeld > 0) parts.push(`${notHeld} assumption${notHeld === 1 ? '' : 's'} did not hold`)
  if (r.canary.leftovers.length > 0)
    parts.push(
      `${r.canary.leftovers.length} thing${r.canary.leftovers.length === 1 ? '' : 's'} the doctor wrote could not be removed: delete by hand (see below)`
    )
  if (parts.length > 0) return parts.join('; ')
  const unchecked = r.checks.filter((c) => c.result === 'could not check').length
  const written = r.canary.skipped ? 'nothing was written' : 'the canary was removed, confirmed by listing'
  return `every checked assumption held${unchecked > 0 ? ` (${unchecked} could not be checked)` : ''}, and ${written}`
}

function canaryLine(r: DoctorReport): string {
  if (r.canary.skipped) return `not uploaded: ${r.canary.skipped}`
  if (r.canary.leftovers.length > 0) return 'NOT all removed: see "Left behind" below'
  if (r.canary.created.length === 0) return 'nothing was written: the run stopped before the upload'
  if (r.canary.removed)
    return `uploaded, watched, removed and confirmed gone by listing (${r.canary.created.length} thing${r.canary.created.length === 1 ? '' : 's'} written)`
  return 'not reached'
}

function listingLine(r: DoctorReport): string {
  const l = r.listing
  if (l.total === undefined) return 'not listed'
  const pages = l.paged ? `${plural(l.pages ?? 0, 'page')}${l.followedToEnd ? ', followed to the end' : ', NOT read to the end'}` : 'one answer, no pages'
  const why = l.followedToEnd === false && l.note ? ` — ${l.note}` : ''
  return `${plural(l.total, 'item')} (${pages}); ${l.owned ?? '?'} the action would treat as its own; ${l.odd.length} it would skip as odd${why}`
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

export function doctorSummaryMarkdown(r: DoctorReport): string {
  const store = r.store ? ` → \`${cell(r.store.name)}\`` : ''
  const lines: string[] = [`## Knowledge Sync doctor: ${r.vendorName}${store}`, '']
  lines.push(`> ${r.ok ? '✅' : '❌'} ${cell(verdict(r))}`, '')
  if (r.store)
    lines.push(
      `**Store:** \`${cell(r.store.name)}\` (\`${cell(r.store.id)}\`)${r.store.created ? ' — **created by this run** (`create-if-missing: true`); it stays' : ''}  `
    )
  lines.push(`**Canary:** \`${cell(r.canary.key)}\` — ${cell(canaryLine(r))}  `)
  lines.push(`**Listing:** ${cell(listingLine(r))}`, '')
  lines.push('### Assumptions', '', '| Result | Assumption | Observed | Source |', '|---|---|---|---|')
  for (const c of r.checks) {
    lines.push(`| ${RESULT_LABEL[c.result]} | ${ours(c.assumption)} | ${cell(c.observed)}${c.note ? ` — _${ours(c.note)}_` : ''} | ${ours(c.source)} |`)
  }
  if (r.canary.leftovers.length > 0) {
    lines.push('', '### Left behind: delete by hand', '', '| What | Id | How |', '|---|---|---|')
    for (const l of r.canary.leftovers) lines.push(`| ${cell(l.what)} | \`${cell(l.id)}\` | ${cell(l.how)} |`)
  }
  if (r.listing.odd.length > 0) {
    lines.push('', '### Items the action would skip as odd', '')
    for (const o of r.listing.odd.slice(0, 20)) lines.push(`- ${o.id ? `\`${cell(o.id)}\`: ` : ''}${cell(o.why)}`)
    if (r.listing.odd.length > 20) lines.push(`- …and ${r.listing.odd.length - 20} more (see the \`doctor-report\` output)`)
  }
  lines.push('', '### Steps', '', '| Step | Outcome | Time |', '|---|---|---:|')
  for (const s of r.steps) lines.push(`| ${cell(s.name)} | ${s.outcome === 'done' ? '✔️ done' : `❌ failed: ${cell(s.detail ?? '')}`} | ${duration(s.ms)} |`)
  lines.push('', 'The whole report is in the `doctor-report` output (JSON). Please attach it when you report a deviation.')
  return `${lines.join('\n')}\n`
}

/** The closing block of the log: the same report as plain text. */
export function doctorLogText(r: DoctorReport): string {
  const mark: Record<CheckResult, string> = { held: '✔ held          ', 'did not hold': '✘ did not hold  ', 'could not check': '? could not check' }
  const lines = [
    `Knowledge Sync doctor: ${r.vendorName}${r.store ? ` → ${r.store.name} (${r.store.id})${r.store.created ? ', created by this run' : ''}` : ''}`,
    `Verdict: ${verdict(r)}`,
    `Listing: ${listingLine(r)}`,
    `Canary: ${r.canary.key}: ${canaryLine(r)}`,
    ...r.checks.map((c) => `  ${mark[c.result]} ${c.assumption} — ${c.observed}${c.note ? ` (${c.note})` : ''}`),
    ...r.canary.leftovers.map((l) => `  LEFT BEHIND: ${l.what} ${l.id}: ${l.how}`)
  ]
  return redact(lines.join('\n'))
}

/** The `doctor-report` output. */
export function doctorJson(r: DoctorReport): string {
  return redact(
    JSON.stringify({
      vendor: r.vendor,
      ok: r.ok,
      verdict: verdict(r),
      dry_run: r.dryRun,
      store: r.store ? { id: r.store.id, name: r.store.name, created: r.store.created, exists: r.store.exists } : null,
      failed_step: r.failedStep ?? null,
      listing: {
        total: r.listing.total ?? null,
        pages: r.listing.pages ?? null,
        paged: r.listing.paged ?? null,
        followed_to_end: r.listing.followedToEnd ?? null,
        owned: r.listing.owned ?? null,
        odd: r.listing.odd,
        note: r.listing.note ?? null
      },
      canary: { key: r.canary.key, skipped: r.canary.skipped ?? null, created: r.canary.created, removed: r.canary.removed, leftovers: r.canary.leftovers },
      checks: r.checks.map((c) => ({ id: c.id, assumption: c.assumption, source: c.source, result: c.result, observed: c.observed, note: c.note ?? null })),
      steps: r.steps.map((s) => ({ name: s.name, outcome: s.outcome, ms: s.ms, detail: s.detail ?? null })),
      observations: r.observations
    })
  )
}
