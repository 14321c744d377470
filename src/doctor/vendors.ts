import { castrelDoctor } from '../vendors/castrel/doctor.js'
import type { VendorId } from '../vendors/registry.js'
import { stackSpotDoctor } from '../vendors/stackspot/doctor.js'
import { staffifyDoctor } from '../vendors/staffify/doctor.js'
import { telzinoDoctor } from '../vendors/telzino/doctor.js'
import type { VendorDoctorFactory } from './contract.js'

/** Each vendor's doctor, kept in its vendor folder next to the adapter whose assumptions it checks. */
const DOCTORS: Record<VendorId, VendorDoctorFactory> = {
  stackspot: stackSpotDoctor,
  staffify: staffifyDoctor,
  telzino: telzinoDoctor,
  castrel: castrelDoctor
}

export function doctorFor(vendor: VendorId): VendorDoctorFactory {
  return DOCTORS[vendor]
}
