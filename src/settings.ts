import type { SharedSettings, SyncMode } from './shared-settings.js'
import type { VendorId, VendorInputSettings } from './vendors/registry.js'

export { DEFAULT_AGENT_URL, MODES, ON_REMOVED, type SharedSettings, type SyncMode } from './shared-settings.js'

/**
 * Everything the action was asked to do, validated; built once by `readSettings`. Besides the
 * shared settings it holds every vendor's own (their fields are documented where each vendor
 * declares its inputs, src/vendors/<id>/settings.ts); adapters get only their vendor's share.
 */
export type Settings = SharedSettings<VendorId> & VendorInputSettings

/** The sync's mode; a doctor run never gets here (main dispatches it to the doctor). */
export function syncMode(settings: Pick<SharedSettings, 'mode'>): SyncMode {
  if (settings.mode === 'doctor') throw new Error('mode `doctor` runs the doctor, not the sync')
  return settings.mode
}
