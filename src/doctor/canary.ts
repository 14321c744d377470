import { createHash, randomBytes } from 'node:crypto'
import type { Digests } from '../docs/types.js'

/** The folder every doctor canary lives under, inside the run's namespace. */
export const CANARY_FOLDER = '.knowledge-sync-doctor'

/** The one small doc the doctor uploads and removes again. */
export interface CanaryDoc {
  /** `<namespace>/.knowledge-sync-doctor/<run id>.md`: the name the doc gets in the store. */
  readonly key: string
  /** `<run id>`: unique to this run, so everything the run wrote is found by it. */
  readonly runId: string
  /** `<namespace>/.knowledge-sync-doctor/<run id>`: every name the run writes starts with it. */
  readonly stem: string
  readonly text: string
  readonly bytes: Buffer
  readonly digests: Digests
}

/**
 * The run id in names: the workflow run and attempt, plus a few random characters so a re-run
 * after a half-finished one never meets the earlier canary.
 */
export function doctorRunId(env: NodeJS.ProcessEnv = process.env): string {
  const run = env.GITHUB_RUN_ID ? `${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? '1'}` : 'local'
  return `${run}-${randomBytes(3).toString('hex')}`
}

export function canaryDoc(namespace: string, runId: string, vendorName: string, suffix = ''): CanaryDoc {
  const stem = `${namespace.replace(/^\/+|\/+$/g, '')}/${CANARY_FOLDER}/${runId}`
  const key = `${stem}${suffix}.md`
  const text =
    `# Knowledge Sync doctor canary\n\n` +
    `The Knowledge Sync GitHub Action uploaded this document in \`mode: doctor\` (run ${runId} of ${namespace}) ` +
    `to see how ${vendorName} reports an upload, and deletes it again within minutes.\n\n` +
    `If you still find it here, the run could not remove it: delete it. Nothing uses it.\n`
  return { key, runId, stem, text, bytes: Buffer.from(text, 'utf8'), digests: digestsOf(Buffer.from(text, 'utf8')) }
}

export function digestsOf(bytes: Buffer): Digests {
  const hex = (algorithm: string) => createHash(algorithm).update(bytes).digest('hex')
  return { sha256: hex('sha256'), sha1: hex('sha1'), md5: hex('md5') }
}

/**
 * Which digest of `bytes` a vendor's checksum is: `sha256`, `sha1`, `md5` (hex), the same in
 * base64, or undefined when it is none of them.
 */
export function checksumAlgorithm(checksum: string, bytes: Buffer): string | undefined {
  const value = checksum.trim()
  for (const algorithm of ['sha256', 'sha1', 'md5']) {
    const digest = createHash(algorithm).update(bytes).digest()
    if (value.toLowerCase() === digest.toString('hex')) return algorithm
    if (value === digest.toString('base64')) return `${algorithm} (base64)`
  }
  return undefined
}
