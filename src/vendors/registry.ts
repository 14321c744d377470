import { ActionError } from '../errors.js'
import { VENDORS } from '../schema.js'
import * as castrel from './castrel/index.js'
import * as stackspot from './stackspot/index.js'
import * as staffify from './staffify/index.js'
import * as telzino from './telzino/index.js'
import type { VendorFactory, VendorId } from './types.js'

const factories = new Map<VendorId, VendorFactory>([
  [stackspot.id, stackspot.create],
  [staffify.id, staffify.create],
  [telzino.id, telzino.create],
  [castrel.id, castrel.create]
])

export function vendorFactory(id: string): VendorFactory {
  const factory = factories.get(id as VendorId)
  if (!factory) throw new ActionError(`Vendor "${id}" is not supported.`, `Use one of: ${VENDORS.join(', ')}.`)
  return factory
}
