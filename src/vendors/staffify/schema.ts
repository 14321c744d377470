/** Staffify Knowledge Bases API response shapes. Docs: shared/vendor-docs/staffify-knowledge-bases.txt. */
import { z } from 'zod'

const Id = z.union([z.string(), z.number()]).transform(String)

export const KnowledgeBase = z.looseObject({ public_id: z.string(), name: z.string(), entry_count: z.number().optional() })
export type KnowledgeBase = z.infer<typeof KnowledgeBase>

const Cursor = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((c) => (c === null || c === undefined || c === '' ? undefined : String(c)))
export const KbList = z.looseObject({ knowledge_bases: z.array(KnowledgeBase), next_cursor: Cursor })
export const KbOne = z.looseObject({ knowledge_base: KnowledgeBase })
/** The docs show `{ knowledge_base }` for get/patch but do not show the create response: take either. */
export const KbCreated = z.union([KbOne.transform((b) => b.knowledge_base), KnowledgeBase])

export const Entry = z.looseObject({
  id: Id,
  // Crawled or uploaded entries are not ours and may lack text; they must not break the listing.
  question: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  answer: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  source_type: z.string().nullish(),
  has_embedding: z.boolean().nullish()
})
export type Entry = z.infer<typeof Entry>

/** One page of entries; each item is parsed on its own (api.ts), so one odd entry is reported and skipped, not fatal. */
export const EntryPage = z.looseObject({
  entries: z.array(z.unknown()),
  next_cursor: Cursor,
  has_more: z.boolean().nullish(),
  total: z.number().nullish()
})
export const Added = z.looseObject({ added: z.number() })
export const Retried = z.looseObject({ retried: z.boolean() })
