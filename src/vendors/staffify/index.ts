/** Staffify: what the action knows about the vendor, and its adapter's factory. */
import type { VendorModule } from '../types.js'
import { StaffifyAdapter } from './adapter.js'
import { DEFAULT_API_URL, inputs, missingInputs, staffifySettings } from './settings.js'

export { StaffifyAdapter } from './adapter.js'
export type { StaffifySettings } from './settings.js'

export const staffify: VendorModule<'staffify', typeof inputs> = {
  id: 'staffify',
  inputs,
  storeNoun: 'knowledge base id kb_… or name',
  defaultApiUrl: DEFAULT_API_URL,
  missingInputs,
  create: (settings, deps) => new StaffifyAdapter(staffifySettings(settings), deps)
}
