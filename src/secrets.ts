import * as core from '@actions/core'

/**
 * Every credential and every token derived from one passes through `registerSecret` the moment
 * it is known: the runner then masks it in the log, and `redact` removes it from text we build
 * ourselves (error messages, the job summary, outputs, PR comments), which the runner does not mask.
 */
const secrets = new Set<string>()

export function registerSecret(value: string | undefined): void {
  if (!value) return
  const trimmed = value.trim()
  // Masking a one- or two-character value would star out half the log and protect nothing.
  if (trimmed.length < 3) return
  secrets.add(trimmed)
  core.setSecret(trimmed)
  // Vendors and proxies may echo a secret URL-encoded or base64-encoded (Basic auth).
  for (const variant of [encodeURIComponent(trimmed), Buffer.from(trimmed).toString('base64')]) {
    if (variant !== trimmed && variant.length >= 3) {
      secrets.add(variant)
      core.setSecret(variant)
    }
  }
}

export function redact(text: string): string {
  let out = text
  // Longest first, so a secret that contains another is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join('***')
  }
  return out
}

/** For tests: forget the registered secrets. */
export function clearSecrets(): void {
  secrets.clear()
}
