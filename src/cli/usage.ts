/** Bad input on the command line, and the names users type: shared by the parsing modules. */

/** Bad input: the command line exits 2 with this message. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** `api-url` → `KNOWLEDGE_SYNC_API_URL`. */
export function envName(input: string): string {
  return `KNOWLEDGE_SYNC_${input.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`
}
