/**
 * What an issuer's key-set state says to operators: `health()` snapshots, and the typed facts
 * `ERR_KEY_NOT_FOUND` and `ERR_JWKS_UNAVAILABLE` carry in `details`.
 *
 * @module
 */

import { GitlabIdTokenError } from './errors.js'
import { FetchError } from './fetch-json.js'
import type { KeySet } from './key-set.js'
import type { IssuerHealth } from './types.js'

/** A provider's state at one instant, as {@link describeKeySet} reads it. */
export interface KeySetState {
  readonly issuer: string
  /** The keys that may be used now (`undefined`: none loaded, or stale past `maxStale`). */
  readonly usable: KeySet | undefined
  /** When the keys in memory were fetched (`-Infinity`: never). */
  readonly fetchedAt: number
  /** Whether the keys in memory are past `cacheMaxAge`. */
  readonly stale: boolean
  readonly lastError: unknown
  /** When the next on-demand fetch may start; `undefined` for a static key set. */
  readonly nextFetchAt: number | undefined
}

/**
 * The {@link IssuerHealth} snapshot of one issuer: usable when at least one key is loaded and
 * within `cacheMaxAge + maxStale`.
 *
 * @example
 * ```ts
 * describeKeySet(state) // { issuer, usable: true, kids: ['4i3sFE7…'], fetchedAt, stale: false, nextFetchAt }
 * ```
 */
export function describeKeySet(state: KeySetState): IssuerHealth {
  const kids = state.usable === undefined ? [] : [...state.usable.keys()]
  return {
    issuer: state.issuer,
    usable: kids.length > 0,
    kids,
    ...(Number.isFinite(state.fetchedAt) ? { fetchedAt: new Date(state.fetchedAt) } : {}),
    stale: state.stale,
    ...(state.lastError === undefined ? {} : { lastError: reasonOf(state.lastError) }),
    ...(state.nextFetchAt === undefined ? {} : { nextFetchAt: new Date(state.nextFetchAt) }),
  }
}

/**
 * `ERR_KEY_NOT_FOUND` with the `kid` asked for and the kids the key set holds.
 *
 * @example
 * ```ts
 * throw keyNotFound(kid, keys, issuer)
 * ```
 */
export function keyNotFound(
  kid: string,
  keys: KeySet | undefined,
  issuer: string,
): GitlabIdTokenError<'ERR_KEY_NOT_FOUND'> {
  return new GitlabIdTokenError('ERR_KEY_NOT_FOUND', 'no key with this kid in the key set', {
    details: { kid, knownKids: keys === undefined ? [] : [...keys.keys()], issuer },
  })
}

/**
 * `ERR_JWKS_UNAVAILABLE` (503) with `Retry-After` until the next fetch may start, the failure as
 * `cause`, and its URL, HTTP status and reason in `details`.
 *
 * @example
 * ```ts
 * throw unavailable({ issuer, error: lastError, retryAfterMs: budget.nextAt(now) - now })
 * ```
 */
export function unavailable(facts: {
  readonly issuer: string
  readonly error?: unknown
  readonly reason?: string
  readonly url?: string | undefined
  readonly retryAfterMs: number
}): GitlabIdTokenError<'ERR_JWKS_UNAVAILABLE'> {
  const { error } = facts
  const fetchError = findFetchError(error)
  const url = fetchError?.url ?? facts.url
  return new GitlabIdTokenError('ERR_JWKS_UNAVAILABLE', 'key set unavailable', {
    ...(error === undefined ? {} : { cause: error }),
    retryAfter: Math.max(1, facts.retryAfterMs / 1000),
    details: {
      issuer: facts.issuer,
      ...(url === undefined ? {} : { url }),
      ...(fetchError?.status === undefined ? {} : { status: fetchError.status }),
      reason: facts.reason ?? (error === undefined ? 'key set not fetched yet' : reasonOf(error)),
    },
  })
}

/**
 * Tells `jwks.onFetchError` about a failure; the hook's own errors are swallowed.
 *
 * @example
 * ```ts
 * reportFetchError(options.onFetchError, error, issuer)
 * ```
 */
export function reportFetchError(
  hook: ((error: Error, issuer: string) => void) | undefined,
  error: unknown,
  issuer: string,
): void {
  try {
    hook?.(error instanceof Error ? error : new Error(String(error)), issuer)
  } catch {
    // An alerting hook must never turn a served request into a failed one.
  }
}

/** The one-line reason of a fetch failure, for logs and `health()`. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function findFetchError(error: unknown): FetchError | undefined {
  for (let cause = error, depth = 0; cause !== undefined && depth < 4; depth += 1) {
    if (cause instanceof FetchError) return cause
    cause = cause instanceof Error ? cause.cause : undefined
  }
  return undefined
}
