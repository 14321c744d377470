/**
 * What the StackSpot adapter tests against the emulator each need: the adapter's settings pointing
 * at the emulator with the demo service credential, and docs written to disk with their real
 * digests (the adapter reads and hashes the files it uploads).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { DEMO_CLIENT } from '../../emulator/vendors/stackspot-idm/index.ts'
import type { LocalDoc } from '../../src/docs/types.js'
import { digestsOf } from '../../src/doctor/canary.js'
import type { StackSpotSettings } from '../../src/vendors/stackspot/index.js'

/** The KS slug `docs`, auto upload strategy, concurrency 4, the demo credential; `over` wins. */
export function stackspotSettings(
  emulatorUrl: string,
  over: Partial<StackSpotSettings> & Pick<StackSpotSettings, 'processingTimeoutSeconds'>
): StackSpotSettings {
  return {
    knowledgeBase: 'docs',
    knowledgeBaseName: '',
    knowledgeBaseDescription: '',
    ksType: 'custom',
    uploadStrategy: 'auto',
    clientId: DEMO_CLIENT.clientId,
    clientSecret: DEMO_CLIENT.clientSecret,
    authUrl: `${emulatorUrl}/stackspot/idm/${DEMO_CLIENT.realm}/oidc/oauth/token`,
    apiUrl: `${emulatorUrl}/stackspot`,
    concurrency: 4,
    ...over
  }
}

let written = 0
/** `content` written to `<dir>/<n>/<path>` (a folder of its own, so two versions of one path coexist), as collect would return it. */
export async function writtenDoc(dir: string, path: string, content: string | Buffer): Promise<LocalDoc> {
  const absPath = join(dir, `${++written}`, path)
  await mkdir(dirname(absPath), { recursive: true })
  await writeFile(absPath, content)
  const bytes = Buffer.from(content)
  return { path, key: path, absPath, size: bytes.length, digests: digestsOf(bytes) }
}
