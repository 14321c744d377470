// Prints the plain "N passed, M failed" line from vitest's JSON report (CI does not read vitest's own summary).
//   node scripts/test-totals.mjs [.vitest-report.json] [--also-failed N]
// --also-failed adds checks that ran outside vitest (lint, types) and failed, so the one line CI reads counts them.
import { readFileSync } from 'node:fs'

const args = process.argv.slice(2)
const extraAt = args.indexOf('--also-failed')
const alsoFailed = extraAt >= 0 ? Number(args.splice(extraAt, 2)[1]) || 0 : 0
const file = args[0] ?? '.vitest-report.json'
let report
try {
  report = JSON.parse(readFileSync(file, 'utf8'))
} catch {
  console.log(`0 passed, ${1 + alsoFailed} failed`)
  console.error(`no test report at ${file}: the test run did not finish`)
  process.exit(1)
}
const passed = report.numPassedTests ?? 0
const failed = (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0) + alsoFailed
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
