import type { VendorEmulator } from '../server.ts'
import type { StackSpotIdm } from './stackspot-idm.ts'

export function createStackspotEmulator(_idm: StackSpotIdm): VendorEmulator {
  return { name: 'stackspot', register() {}, state: () => ({}), reset() {} }
}
