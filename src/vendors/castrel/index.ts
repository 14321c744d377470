import { ActionError } from '../../errors.js'
import type { VendorFactory } from '../types.js'

export const id = 'castrel' as const

export const create: VendorFactory = () => {
  throw new ActionError('Vendor castrel is not implemented yet.')
}
