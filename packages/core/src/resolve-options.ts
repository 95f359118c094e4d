/**
 * Validating {@link VerifierOptions} once, at construction, into the settings the hot path reads.
 *
 * @module
 */

import { resolveAlgorithms, type AlgorithmSpec } from './algorithms.js'
import { GitlabIdTokenError } from './errors.js'
import { resolveIssuers } from './issuers.js'
import type { IssuerConfig, VerifierOptions } from './types.js'

/** Validated settings; durations in the unit their name says. */
export interface ResolvedOptions {
  readonly audiences: ReadonlySet<string>
  readonly issuers: ReadonlyMap<string, IssuerConfig>
  readonly algorithms: ReadonlyMap<string, AlgorithmSpec>
  readonly clockTolerance: number
  readonly maxTokenAge: number | undefined
  readonly maxTokenLength: number
  readonly cacheMaxAgeMs: number
  readonly cooldownMs: number
  readonly timeoutMs: number
  readonly maxStaleMs: number
  readonly onFetchError: ((error: Error, issuer: string) => void) | undefined
  readonly resultCacheMax: number
  readonly fetch: typeof fetch
  readonly now: () => number
}

function invalid(message: string): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_INVALID_CONFIG', message)
}

function seconds(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(`"${name}" must be a non-negative number of seconds`)
  }
  return value
}

function callback<T>(value: T | undefined, name: string): T | undefined {
  if (value !== undefined && typeof value !== 'function')
    throw invalid(`"${name}" must be a function`)
  return value
}

function resolveAudiences(audience: unknown): Set<string> {
  const list = typeof audience === 'string' ? [audience] : audience
  if (!Array.isArray(list) || list.length === 0) {
    throw invalid(
      '"audience" is required: the value of `aud:` in your jobs\' `id_tokens:`, e.g. "https://deploy.example.com"',
    )
  }
  for (const value of list as unknown[]) {
    if (typeof value !== 'string' || value.length === 0) {
      throw invalid('"audience" entries must be non-empty strings')
    }
  }
  return new Set(list as string[])
}

/** Validates every option and applies the documented defaults. */
export function resolveOptions(options: VerifierOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid('createVerifier needs an options object with "audience" and "policy"')
  }
  const jwks = options.jwks ?? {}
  const maxTokenLength = options.maxTokenLength ?? 32_768
  if (!Number.isSafeInteger(maxTokenLength) || maxTokenLength < 1) {
    throw invalid('"maxTokenLength" must be a positive integer (bytes)')
  }
  const cache = options.cache ?? {}
  const resultCacheMax = cache === false ? 0 : (cache.max ?? 1000)
  if (!Number.isSafeInteger(resultCacheMax) || resultCacheMax < 0) {
    throw invalid('"cache.max" must be a non-negative integer')
  }
  const fetchImpl = options.fetch ?? globalThis.fetch
  if (typeof fetchImpl !== 'function') throw invalid('"fetch" must be a function')
  const now = options.now ?? Date.now
  if (typeof now !== 'function') throw invalid('"now" must be a function returning milliseconds')
  return {
    audiences: resolveAudiences(options.audience),
    issuers: resolveIssuers(options.issuer),
    algorithms: resolveAlgorithms(options.algorithms),
    clockTolerance: seconds(options.clockTolerance, 'clockTolerance', 30),
    maxTokenAge:
      options.maxTokenAge === undefined
        ? undefined
        : seconds(options.maxTokenAge, 'maxTokenAge', 0),
    maxTokenLength,
    cacheMaxAgeMs: seconds(jwks.cacheMaxAge, 'jwks.cacheMaxAge', 600) * 1000,
    cooldownMs: seconds(jwks.cooldown, 'jwks.cooldown', 30) * 1000,
    timeoutMs: seconds(jwks.timeout, 'jwks.timeout', 5) * 1000,
    maxStaleMs: seconds(jwks.maxStale, 'jwks.maxStale', 86_400) * 1000,
    onFetchError: callback(jwks.onFetchError, 'jwks.onFetchError'),
    resultCacheMax,
    fetch: fetchImpl,
    now,
  }
}
