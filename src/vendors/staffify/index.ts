import { ActionError } from '../../errors.js'
import type { VendorFactory } from '../types.js'

export const id = 'staffify' as const

export const create: VendorFactory = () => {
  throw new ActionError('Vendor staffify is not implemented yet.')
}
