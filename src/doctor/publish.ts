/**
 * What a doctor run shows the user: the `doctor-report` output, the job summary, the log's closing
 * block, and a failed step when anything did not hold (the exit code users script against).
 */
import * as core from '@actions/core'
import { forStdout } from '../log.js'
import { redact } from '../secrets.js'
import { doctorJson, doctorLogText, doctorSummaryMarkdown, verdict } from './render.js'
import type { DoctorReport } from './types.js'

export async function publishDoctor(report: DoctorReport): Promise<void> {
  core.setOutput('doctor-report', doctorJson(report))
  core.info(forStdout(doctorLogText(report)))
  for (const l of report.canary.leftovers)
    core.error(forStdout(`The doctor could not remove ${l.what} (${l.id}): ${l.how}`), { title: 'Knowledge Sync doctor: left behind' })
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(redact(doctorSummaryMarkdown(report)), true).write()
  if (!report.ok) core.setFailed(forStdout(`Knowledge Sync doctor: ${verdict(report)}. The job summary and the doctor-report output have the details.`))
}
