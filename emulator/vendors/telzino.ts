import type { VendorEmulator } from '../server.ts'

export function createTelzinoEmulator(): VendorEmulator {
  return { name: 'telzino', register() {}, state: () => ({}), reset() {} }
}
