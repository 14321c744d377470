import { ActionError } from '../errors.js'
import type { InputSpec, InputSpecs, InputValues } from '../input-kinds.js'
import type { SharedSettings } from '../shared-settings.js'
import { castrel } from './castrel/index.js'
import { stackspot } from './stackspot/index.js'
import { staffify } from './staffify/index.js'
import { telzino } from './telzino/index.js'
import type { VendorAdapter, VendorDeps } from './types.js'

/** The supported vendors, the one list of them; this order is the order users see them in messages. */
export const VENDORS = [stackspot, staffify, telzino, castrel] as const

type AnyVendor = (typeof VENDORS)[number]
export type VendorId = AnyVendor['id']
export const VENDOR_IDS: readonly VendorId[] = VENDORS.map((v) => v.id)

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never
/** Every vendor's own inputs, keyed by Settings field. */
export type VendorInputSpecs = UnionToIntersection<AnyVendor['inputs']>
/** Every vendor's own settings, as they appear in Settings. */
export type VendorInputSettings = InputValues<VendorInputSpecs>

export function findVendor(id: string): AnyVendor | undefined {
  return VENDORS.find((v) => v.id === id)
}

/**
 * Every vendor's inputs in one set, in vendor order. An input several vendors read (`api-key`)
 * appears once, and must be declared alike by each.
 */
export function vendorInputs(): VendorInputSpecs {
  const all: Record<string, InputSpec> = {}
  for (const vendor of VENDORS) {
    for (const [field, spec] of Object.entries(vendor.inputs as InputSpecs)) {
      const seen = all[field]
      if (seen && (seen.name !== spec.name || seen.default !== spec.default || seen.secret !== spec.secret)) {
        throw new Error(`Vendor ${vendor.id} declares the setting ${field} unlike another vendor does`)
      }
      all[field] ??= spec
    }
  }
  return all as VendorInputSpecs
}

/** Builds a store's adapter from the run's settings (`Settings` in src/settings.ts, spelled out here to keep imports one-way). */
export type VendorFactory = (settings: SharedSettings<VendorId> & VendorInputSettings, deps: VendorDeps) => VendorAdapter

/** The adapter factory for a vendor id; an unknown id lists the valid ones. */
export function vendorFactory(id: string): VendorFactory {
  const vendor = findVendor(id)
  if (!vendor) throw new ActionError(`Vendor "${id}" is not supported.`, `Use one of: ${VENDOR_IDS.join(', ')}.`)
  return (settings, deps) => vendor.create(settings, deps)
}
