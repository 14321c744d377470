/**
 * The other plausible StackSpot behaviours where stackspot-knowledge-sources.txt is silent
 * (NOTES.md §1 [gap]), as emulator profiles. The defaults in state.ts play the reading the adapter
 * was built on; docs/stackspot.md lists which behaviours are confirmed and what the action does.
 */
import type { EmulatorProfile } from '../../framework.ts'
import type { StackspotEmulatorSettings } from './state.ts'

interface StackspotProfile extends EmulatorProfile {
  readonly settings: Partial<StackspotEmulatorSettings>
}

export const STACKSPOT_PROFILES: readonly StackspotProfile[] = [
  {
    name: 'stackspot-zip-async-lag',
    assumption: 'a processed zip batch shows all its objects at once',
    behaviour: "a zip batch's objects appear one by one, 300 ms apart, after it is reported processed",
    settings: { zipEntryIntervalMs: 300 }
  },
  {
    name: 'stackspot-objects-paged',
    assumption: 'the object listing answers every object in one JSON array',
    behaviour: 'the listing is paged v2-style: `{items, page, size, total, total_pages}`, 2 objects a page, `page` from 1',
    settings: { objectsPageSize: 2, objectsPageShape: 'wrapped' }
  },
  {
    name: 'stackspot-objects-paged-array',
    assumption: 'the object listing answers every object in one JSON array',
    behaviour: 'the listing answers a bare array of the first 2 objects; `page`/`size` ask for the others, and nothing says there are more',
    settings: { objectsPageSize: 2, objectsPageShape: 'array' }
  },
  {
    name: 'stackspot-file-path-leading-slash',
    assumption: 'an object is listed with the `file_path` it was uploaded as',
    behaviour: '`file_path` is listed (and the upload status names the file) with a leading `/`',
    settings: { filePathEcho: 'leading-slash' }
  },
  {
    name: 'stackspot-file-path-sanitised',
    assumption: 'an object is listed with the `file_path` it was uploaded as',
    behaviour: '`file_path` is a sanitised file name: folders joined by `_`, accents and non-ASCII letters dropped (werkzeug secure_filename)',
    settings: { filePathEcho: 'sanitised' }
  },
  {
    name: 'stackspot-checksum-md5',
    assumption: '`checksum` is the hex SHA-256 of the bytes',
    behaviour: '`checksum` is the hex MD5 of the bytes',
    settings: { checksum: 'md5' }
  },
  {
    name: 'stackspot-checksum-other',
    assumption: '`checksum` is the hex SHA-256 of the bytes',
    behaviour: '`checksum` is the hex SHA-512 of the bytes, an algorithm the action does not compute',
    settings: { checksum: 'sha512' }
  },
  {
    name: 'stackspot-checksum-absent',
    assumption: 'every listed object has a `checksum`',
    behaviour: 'listed objects have no `checksum` field',
    settings: { checksum: 'absent' }
  },
  {
    name: 'stackspot-status-success',
    assumption: 'processing ends in INDEXED',
    behaviour: 'processing ends in SUCCESS (FAILED on failure)',
    settings: { doneWord: 'SUCCESS', failedWord: 'FAILED' }
  },
  {
    name: 'stackspot-status-finished',
    assumption: 'processing goes PROCESSING → INDEXED, or ends in …ERROR',
    behaviour: 'processing goes IN_QUEUE → FINISHED, or ends in PROCESSING_FAILED',
    settings: { pendingWord: 'IN_QUEUE', doneWord: 'FINISHED', failedWord: 'PROCESSING_FAILED' }
  },
  {
    name: 'stackspot-processing-file-upload',
    assumption: '`POST /v1/file-upload/{id}/knowledge-objects` starts processing (or processing starts by itself)',
    behaviour: '`…/knowledge-objects` answers 404; processing starts only at `POST /v1/file-upload/{id}`',
    settings: { processingStep: 'file-upload' }
  },
  {
    name: 'stackspot-zip-missing-404',
    assumption: '`POST …/objects/batch` takes a zip',
    behaviour: 'the batch route answers 404 (this deployment has none)',
    settings: { zipBatch: 'missing-404' }
  },
  {
    name: 'stackspot-zip-missing-405',
    assumption: '`POST …/objects/batch` takes a zip',
    behaviour: 'the batch route answers 405',
    settings: { zipBatch: 'missing-405' }
  },
  {
    name: 'stackspot-zip-sync',
    assumption: 'a zip batch is processed after its answer (202)',
    behaviour: 'a zip batch is processed before its answer: 200 with the summary, its objects already listed',
    settings: { zipBatch: 'sync' }
  },
  {
    name: 'stackspot-form-null-field',
    assumption: 'every upload form field is a string',
    behaviour: 'the upload form answers `x-amz-security-token: null` and storage refuses any field the policy does not cover',
    settings: { formNullToken: true }
  },
  {
    name: 'stackspot-delete-lagged',
    assumption: 'a deleted object leaves the listing at once',
    behaviour: 'DELETE answers 202 and the object leaves the listing 300 ms later',
    settings: { deleteMode: 'lagged' }
  },
  {
    name: 'stackspot-delete-kept-404',
    assumption: '`DELETE …/objects/{id}` deletes the listed object',
    behaviour: 'DELETE by the listed id answers 404 and the object stays listed (this server deletes by another id)',
    settings: { deleteMode: 'kept-404' }
  },
  {
    name: 'stackspot-objects-odd-item',
    assumption: 'every listed object has an `id`, and string (or null) `file_path` and `checksum`',
    behaviour: 'the listing carries one extra item without an id whose fields have other types',
    settings: { oddListingItem: true }
  }
]
