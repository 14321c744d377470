/** Castrel: what the action knows about the vendor, and its adapter's factory. */
import type { VendorModule } from '../types.js'
import { CastrelAdapter } from './adapter.js'
import { castrelSettings, inputs, missingInputs, triggerProblems } from './settings.js'

export { CastrelAdapter, knowledgeName } from './adapter.js'
export type { CastrelSettings } from './settings.js'

export const castrel: VendorModule<'castrel', typeof inputs> = {
  id: 'castrel',
  inputs,
  // Knowledge lives on the customer's instance, grouped by our labels: there is no store to name.
  storeNoun: undefined,
  // Every customer has their own instance.
  defaultApiUrl: '',
  missingInputs,
  problems: triggerProblems,
  create: (settings, deps) => new CastrelAdapter(castrelSettings(settings), deps)
}
