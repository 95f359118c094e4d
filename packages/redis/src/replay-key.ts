/**
 * The Redis key of one token ID: `{prefix}:jti:{issuerTag}:{jti}`.
 *
 * @module
 */

import { GitlabIdTokenError, type ReplayContext } from '@gitlab-id-token/core'
import { issuerTag } from './settings.js'

/**
 * Longest `jti` the store accepts. GitLab's are UUIDs (36 characters); the bound keeps a hostile
 * (but validly signed) token from writing large keys.
 *
 * @example
 * ```ts
 * if (jti.length > MAX_JTI_LENGTH) refuse()
 * ```
 */
export const MAX_JTI_LENGTH = 128

// Printable ASCII only: binary or whitespace in a key is legal in Redis but breaks every tool an
// operator would use to inspect it (redis-cli, MONITOR, SCAN patterns).
const JTI = /^[\x21-\x7e]+$/

// The core passes a ReplayContext with each call; a verifier from an older core only passes the
// key it builds, `${issuer}\n${jti}`, so the store can read the same facts from it.

/**
 * The issuer and `jti` of a `remember()` call.
 *
 * @example
 * ```ts
 * replayContext('https://gitlab.com\n4f1c…') // { issuer: 'https://gitlab.com', jti: '4f1c…' }
 * ```
 */
export function replayContext(key: string, context: ReplayContext | undefined): ReplayContext {
  if (context !== undefined) return context
  // An issuer is a URL and never contains a newline; a jti may, so split at the first one.
  const split = key.indexOf('\n')
  return split < 0
    ? { issuer: '', jti: key }
    : { issuer: key.slice(0, split), jti: key.slice(split + 1) }
}

/**
 * The Redis key for `jti` from `issuer`. One key per token, never a multi-key command, so Redis
 * Cluster needs no hash tags. A `jti` over {@link MAX_JTI_LENGTH} characters or outside printable
 * ASCII is refused with `ERR_TOKEN_MALFORMED` (401): that is the token's fault, not the store's.
 *
 * @example
 * ```ts
 * replayKey('gitlab-id-token', 'https://gitlab.com', '4f1c…')
 * // 'gitlab-id-token:jti:Vh1f…:4f1c…'
 * ```
 */
export function replayKey(prefix: string, issuer: string, jti: string): string {
  if (
    typeof jti !== 'string' ||
    jti.length === 0 ||
    jti.length > MAX_JTI_LENGTH ||
    !JTI.test(jti)
  ) {
    throw new GitlabIdTokenError('ERR_TOKEN_MALFORMED', 'jti unsuitable for replay protection', {
      details: { claim: 'jti', reason: 'jti must be 1-128 printable ASCII characters' },
    })
  }
  return `${prefix}:jti:${issuerTag(issuer)}:${jti}`
}
