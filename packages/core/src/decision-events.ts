/**
 * The `onDecision` events: one per `verify()`, one more per grant refusal, never a token in them.
 *
 * @module
 */

import type { TokenIdentity } from './error-details.js'
import { isGitlabIdTokenError, type GitlabIdTokenError } from './errors.js'
import { tokenIdentity } from './inspect-token.js'
import type { DecisionEvent, VerifyResult } from './result-types.js'

/**
 * The hook as configured.
 *
 * @example
 * ```ts
 * const hook: DecisionHook = (event, req) => log.info({ event }, 'gitlab-id-token decision')
 * ```
 */
export type DecisionHook = (event: DecisionEvent, request?: unknown) => void

interface Emitter {
  readonly hook: DecisionHook
  readonly request: unknown
  readonly cached: boolean
}

// Result → the verifier that produced it, so a grant check far from the verifier (an adapter's
// route guard) reports through the right hook without the result carrying a function.
const emitters = new WeakMap<VerifyResult, Emitter>()

/**
 * Calls `hook` and swallows what it throws: logging must never turn a decision into another one.
 *
 * @example
 * ```ts
 * emit(settings.onDecision, event, context?.request)
 * ```
 */
export function emit(hook: DecisionHook, event: DecisionEvent, request: unknown): void {
  try {
    hook(event, request)
  } catch {
    // Like onFetchError: an observer's bug is not the caller's problem.
  }
}

/**
 * Remembers which hook a result's later grant refusal goes to.
 *
 * @example
 * ```ts
 * if (settings.onDecision) bindResult(result, settings.onDecision, request, cached)
 * ```
 */
export function bindResult(
  result: VerifyResult,
  hook: DecisionHook,
  request: unknown,
  cached: boolean,
): void {
  emitters.set(result, { hook, request, cached })
}

/**
 * Internal, for `grantCheck`: stamps a grant refusal of `result` with the call's request ID and
 * the (verified) identity, and emits the `stage: 'grants'` event through the verifier that
 * produced `result` (nothing when it has no `onDecision`, or `result` is not one of ours).
 *
 * @param request - the framework request; default the one given to `verify()`.
 * @example
 * ```ts
 * const error = new GitlabIdTokenError('ERR_INSUFFICIENT_SCOPE', 'required grant missing', { details })
 * emitGrantRefusal(result, error, req)
 * throw error
 * ```
 */
export function emitGrantRefusal(
  result: VerifyResult,
  error: GitlabIdTokenError,
  request?: unknown,
): void {
  if (typeof result.requestId === 'string') error.requestId = result.requestId
  const identity = tokenIdentity(result.claims as unknown as Record<string, unknown>, true)
  attachIdentity(error, identity)
  const emitter = emitters.get(result)
  if (emitter === undefined) return
  emit(
    emitter.hook,
    {
      outcome: 'refused',
      code: error.code,
      status: error.status,
      rules: result.rules,
      grants: result.grants,
      reasons: result.reasons,
      identity,
      issuer: result.issuer,
      durationMs: 0,
      cached: emitter.cached,
      requestId: result.requestId,
      stage: 'grants',
    },
    request ?? emitter.request,
  )
}

/**
 * Adds `identity` to the error's details unless the throw site set one.
 *
 * @example
 * ```ts
 * attachIdentity(error, tokenIdentity(payload, false))
 * ```
 */
export function attachIdentity(error: unknown, identity: TokenIdentity): void {
  if (!isGitlabIdTokenError(error)) return
  const details = error.details as Record<string, unknown> | undefined
  if (details !== undefined && (typeof details !== 'object' || 'identity' in details)) return
  // `details` is readonly for readers; the verifier completes it once, before anyone reads it.
  ;(error as { details: unknown }).details = { ...details, identity }
}
