import type { VendorEmulator } from '../server.ts'

export function createCastrelEmulator(): VendorEmulator {
  return { name: 'castrel', register() {}, state: () => ({}), reset() {} }
}
