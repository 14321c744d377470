/** `doctor`: the action's vendor check (src/doctor/), its report printed instead of published. */
import type { RunContext } from '../context.js'
import { doctorRunId } from '../doctor/canary.js'
import { doctorJson, doctorLogText } from '../doctor/render.js'
import { runDoctor } from '../doctor/run.js'
import type { Log } from '../log.js'
import type { Settings } from '../settings.js'
import { TokenCache } from '../tokens.js'
import { type CliIo, cliGroup, printLine } from './output.js'

/** Exit code 1 when an assumption did not hold, a step failed or the canary was left behind. */
export async function doctorCommand(settings: Settings, run: RunContext, log: Log, io: CliIo, json: boolean): Promise<number> {
  const report = await runDoctor(settings, run, { log, group: cliGroup(log), tokenCache: new TokenCache(), runId: doctorRunId() })
  for (const l of report.canary.leftovers) log.error(`The doctor could not remove ${l.what} (${l.id}): ${l.how}`)
  // doctorJson redacts already; one line of JSON is still one document.
  if (json) io.stdout.write(`${doctorJson(report)}\n`)
  else printLine(io.stdout, doctorLogText(report))
  return report.ok ? 0 : 1
}
