/** Telzino: what the action knows about the vendor, and its adapter's factory. */
import type { VendorModule } from '../types.js'
import { TelzinoAdapter } from './adapter.js'
import { DEFAULT_API_URL, authUrl, inputs, missingInputs, telzinoSettings } from './settings.js'

export { TelzinoAdapter, mimeFor } from './adapter.js'
export type { TelzinoSettings } from './settings.js'

export const telzino: VendorModule<'telzino', typeof inputs> = {
  id: 'telzino',
  inputs,
  storeNoun: 'knowledge base id or name',
  defaultApiUrl: DEFAULT_API_URL,
  authUrl,
  missingInputs,
  create: (settings, deps) => new TelzinoAdapter(telzinoSettings(settings), deps)
}
