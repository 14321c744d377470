/** Castrel Knowledges API shapes: the `{code, message, data}` envelope and a knowledge entry. */
import { z } from 'zod'

export const Knowledge = z.looseObject({
  id: z.union([z.number(), z.string()]),
  name: z.string(),
  type: z.string().nullish(),
  trigger: z.string().nullish(),
  trigger_config: z.record(z.string(), z.unknown()).nullish(),
  description: z.string().nullish(),
  labels: z.record(z.string(), z.string().nullish()).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish()
})
export type Knowledge = z.infer<typeof Knowledge>

export const Envelope = z.looseObject({ code: z.number(), message: z.string().nullish(), data: z.unknown() })
export const ListData = z.looseObject({
  page: z.looseObject({ total: z.number(), page_num: z.number().optional(), page_size: z.number().optional() }).nullish(),
  // Parsed item by item (api.ts listAll), so one odd item is not fatal.
  items: z.array(z.unknown())
})
export type ListData = z.infer<typeof ListData>
