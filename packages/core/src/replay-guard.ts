/**
 * Asking the replay store about one verified token, failing closed and fast on every store fault.
 *
 * @module
 */

import { GitlabIdTokenError, isGitlabIdTokenError } from './errors.js'
import type { ResolvedReplay } from './resolve-replay.js'

/**
 * What the guard needs to know of a verified token.
 *
 * @example
 * ```ts
 * const candidate: ReplayCandidate = { issuer, claims, rules, grants, rememberUntilMs: exp * 1000 + 30_000 }
 * ```
 */
export interface ReplayCandidate {
  readonly issuer: string
  readonly claims: { readonly jti?: unknown; readonly project_id?: unknown }
  readonly rules: readonly string[]
  readonly grants: readonly string[]
  /** The replay key may be forgotten after this: `exp` plus the clock tolerance. */
  readonly rememberUntilMs: number
}

// A GitLab jti is a UUID; a bounded length keeps a hostile-but-allowed tenant from filling a
// shared store with 30 KiB keys.
const MAX_JTI_LENGTH = 256

type Reason = 'timeout' | 'error' | 'invalid-answer'

// The store's own message (a Redis address, a stack) stays in `cause`, which no adapter renders.
function unavailable(reason: Reason, cause?: unknown): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_REPLAY_UNAVAILABLE', `replay store ${reason}`, {
    details: { reason },
    ...(cause === undefined ? {} : { cause }),
    retryAfter: 1,
  })
}

// Only our own verdicts pass through a store's throw: `full`/`tenant-share` from a store that
// meters, and a jti the store refuses to key (the token's fault).
function fromThrow(error: unknown): GitlabIdTokenError {
  if (
    isGitlabIdTokenError(error) &&
    (error.code === 'ERR_REPLAY_UNAVAILABLE' ||
      error.code === 'ERR_TOKEN_MALFORMED' ||
      error.code === 'ERR_TOKEN_REPLAYED')
  ) {
    return error
  }
  return unavailable('error', error)
}

function judge(answer: unknown): void {
  if (answer === true) return
  if (answer === false) throw new GitlabIdTokenError('ERR_TOKEN_REPLAYED', 'jti already used')
  throw unavailable('invalid-answer')
}

/**
 * Whether `replay.only` asks for this token to be remembered.
 *
 * @example
 * ```ts
 * if (needsReplayCheck(settings.replay, verified)) metrics.increment('replay_checked')
 * ```
 */
export function needsReplayCheck(replay: ResolvedReplay, candidate: ReplayCandidate): boolean {
  const { rules, grants } = replay
  if (rules === undefined && grants === undefined) return true
  return (
    candidate.rules.some((rule) => rules?.has(rule) === true) ||
    candidate.grants.some((grant) => grants?.has(grant) === true)
  )
}

/**
 * Remembers the token's `jti`, synchronously when the store answers synchronously. Only the
 * boolean `true` admits; `false` is `ERR_TOKEN_REPLAYED` (401); anything else, a throw, a
 * rejection or no answer within `replay.timeout` is `ERR_REPLAY_UNAVAILABLE` (503, cause chained).
 *
 * @example
 * ```ts
 * const pending = rememberToken(settings.replay, candidate) // void or a promise of void
 * ```
 */
export function rememberToken(
  replay: ResolvedReplay,
  candidate: ReplayCandidate,
): void | Promise<void> {
  if (!needsReplayCheck(replay, candidate)) return
  const { jti, project_id: tenant } = candidate.claims
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw new GitlabIdTokenError('ERR_TOKEN_MALFORMED', 'jti is required for replay protection', {
      details: { part: 'claims', claim: 'jti', reason: 'replay protection needs a jti' },
    })
  }
  let answer: unknown
  try {
    answer = replay.store.remember(`${candidate.issuer}\n${jti}`, candidate.rememberUntilMs, {
      issuer: candidate.issuer,
      jti,
      ...(typeof tenant === 'string' ? { tenant } : {}),
    })
  } catch (error) {
    throw fromThrow(error)
  }
  if (typeof (answer as PromiseLike<unknown> | null)?.then !== 'function') return judge(answer)
  return withDeadline(answer as PromiseLike<unknown>, replay.timeoutMs).then(judge, (error) => {
    throw fromThrow(error)
  })
}

function withDeadline(answer: PromiseLike<unknown>, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // Unref'd: a hung store must neither hang the request nor keep the process alive.
    const timer = setTimeout(() => reject(unavailable('timeout')), timeoutMs)
    timer.unref()
    Promise.resolve(answer).then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
}
