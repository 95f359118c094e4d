/**
 * The CLI's exit codes: pinned, so scripts can branch on them without parsing output.
 *
 * @module
 */

import { GitlabIdTokenError, type GitlabIdTokenErrorCode } from '@gitlab-id-token/core'

/**
 * | code | meaning |
 * |---|---|
 * | 0 | verified and allowed / lint clean / every case passes / issuer healthy |
 * | 1 | the token was refused (401 class), or lint, test or doctor found problems |
 * | 2 | valid but denied (403 class) |
 * | 3 | the key set could not be fetched (503 class, retryable) |
 * | 4 | usage or configuration error |
 *
 * @example
 * ```ts
 * process.exitCode = EXIT.denied // 2
 * ```
 */
export const EXIT = Object.freeze({
  ok: 0,
  refused: 1,
  problems: 1,
  denied: 2,
  unavailable: 3,
  usage: 4,
})

/**
 * The exit code for an error code, by its HTTP class (the core's own table, so a new code lands
 * in its class): 400/401 → 1, 403 → 2, 503 → 3, 500 → 4. `ERR_TOKEN_MISSING` is a usage error
 * here: for a command line, no token means it was not given.
 *
 * @example
 * ```ts
 * exitCodeFor('ERR_POLICY_DENIED') // 2
 * ```
 */
export function exitCodeFor(code: GitlabIdTokenErrorCode | 'ERR_USAGE' | undefined): number {
  if (code === undefined) return EXIT.ok
  if (code === 'ERR_USAGE' || code === 'ERR_TOKEN_MISSING') return EXIT.usage
  const { status } = new GitlabIdTokenError(code)
  if (status === 403) return EXIT.denied
  if (status === 503) return EXIT.unavailable
  if (status >= 500) return EXIT.usage
  return EXIT.refused
}
