/** Telzino knowledge-base API response shapes, asking only for the fields the adapter reads. */
import { z } from 'zod'

export const Source = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  source_type: z.string().nullish(),
  status: z.string().nullish(),
  url: z.string().nullish()
})
export type Source = z.infer<typeof Source>
/** One answer of the sources listing: items are parsed one by one (sources.ts), so one odd item is not fatal. */
export const SourcePage = z.looseObject({
  data: z.array(z.unknown()),
  pagination: z
    .looseObject({
      page: z.number().optional(),
      limit: z.number().optional(),
      total: z.number().optional(),
      totalPages: z.number().optional(),
      hasNext: z.boolean().optional()
    })
    .nullish()
})

export const Kb = z.looseObject({ id: z.string(), name: z.string() })
export type Kb = z.infer<typeof Kb>
export const KbList = z.looseObject({ data: z.array(Kb) })
export const KbCreated = z.looseObject({ data: Kb })

export const FileCreated = z.looseObject({ data: z.looseObject({ presignedUrl: z.string(), sourceId: z.string(), jobId: z.string() }) })
export type FileCreated = z.infer<typeof FileCreated>
export const UrlCreated = z.looseObject({ data: z.looseObject({ sourceId: z.string().optional(), jobId: z.string().optional() }) })
export const JobStatus = z.looseObject({ data: z.looseObject({ status: z.string(), error_text: z.string().nullish(), stage: z.string().nullish() }) })
