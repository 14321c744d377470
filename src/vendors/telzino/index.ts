import { ActionError } from '../../errors.js'
import type { VendorFactory } from '../types.js'

export const id = 'telzino' as const

export const create: VendorFactory = () => {
  throw new ActionError('Vendor telzino is not implemented yet.')
}
