import { ActionError } from '../../errors.js'
import type { VendorFactory } from '../types.js'

export const id = 'stackspot' as const

export const create: VendorFactory = () => {
  throw new ActionError('Vendor stackspot is not implemented yet.')
}
