import type { SharedSettings } from './shared-settings.js'
import type { VendorId, VendorInputSettings } from './vendors/registry.js'

export { DEFAULT_AGENT_URL, MODES, ON_REMOVED, type SharedSettings } from './shared-settings.js'

/**
 * Everything the action was asked to do, validated; built once by `readSettings`. Besides the
 * shared settings it holds every vendor's own (their fields are documented where each vendor
 * declares its inputs, src/vendors/<id>/settings.ts); adapters get only their vendor's share.
 */
export type Settings = SharedSettings<VendorId> & VendorInputSettings
