/**
 * The option names each level of {@link VerifierOptions} accepts. A misspelt key is refused at
 * startup, naming the keys that exist: silently ignoring `maxTokenAgeSeconds` would run the
 * service without the limit its author meant to set.
 *
 * To add an option, add its name to the list of its level here and validate it in
 * `resolve-options.ts`.
 *
 * @module
 */

import { GitlabIdTokenError } from './errors.js'
import type { IssuerConfig, JwksOptions, ReplayOptions, VerifierOptions } from './types.js'

const VERIFIER_KEY_LIST = [
  'audience',
  'issuer',
  'policy',
  'allowAnyProject',
  'allowAnyProjectOnSharedInstance',
  'algorithms',
  'clockTolerance',
  'allowLargeClockTolerance',
  'maxTokenAge',
  'maxTokenLength',
  'jwks',
  'replay',
  'cache',
  'crypto',
  'onDecision',
  'fetch',
  'now',
] as const satisfies readonly (keyof VerifierOptions)[]

// A new option added to the interface but not here fails to compile instead of being refused.
const complete: [Exclude<keyof VerifierOptions, (typeof VERIFIER_KEY_LIST)[number]>] extends [never]
  ? true
  : never = true
void complete

/**
 * Top-level keys of `createVerifier` options.
 *
 * @example
 * ```ts
 * assertKnownKeys(options, VERIFIER_KEYS, '')
 * ```
 */
export const VERIFIER_KEYS: readonly string[] = VERIFIER_KEY_LIST

/**
 * Keys of one `issuer` entry given as an object.
 *
 * @example
 * ```ts
 * assertKnownKeys({ issuer, jwksUri }, ISSUER_KEYS, 'issuer')
 * ```
 */
export const ISSUER_KEYS: readonly string[] = [
  'issuer',
  'jwksUri',
  'jwks',
] satisfies readonly (keyof IssuerConfig)[]

/**
 * Keys of `jwks`.
 *
 * @example
 * ```ts
 * assertKnownKeys(options.jwks ?? {}, JWKS_KEYS, 'jwks')
 * ```
 */
export const JWKS_KEYS: readonly string[] = [
  'cacheMaxAge',
  'cooldown',
  'timeout',
  'maxStale',
  'onFetchError',
  'shared',
  'refetchesPerMinute',
] satisfies readonly (keyof JwksOptions)[]

/**
 * Keys of `cache`.
 *
 * @example
 * ```ts
 * assertKnownKeys({ max: 100 }, CACHE_KEYS, 'cache')
 * ```
 */
export const CACHE_KEYS: readonly string[] = ['max']

/**
 * Keys of `replay`.
 *
 * @example
 * ```ts
 * assertKnownKeys(options.replay, REPLAY_KEYS, 'replay')
 * ```
 */
export const REPLAY_KEYS: readonly string[] = [
  'store',
  'timeout',
  'only',
] satisfies readonly (keyof ReplayOptions)[]

/**
 * Keys of `replay.only`.
 *
 * @example
 * ```ts
 * assertKnownKeys({ grants: ['deploy'] }, REPLAY_ONLY_KEYS, 'replay.only')
 * ```
 */
export const REPLAY_ONLY_KEYS: readonly string[] = ['rules', 'grants']

/**
 * Throws `ERR_INVALID_CONFIG` for the first key of `value` not in `known`, naming the nearest
 * known key when only its case differs and listing all of them otherwise.
 *
 * @param where - the option path for the message, e.g. `"jwks"`; `''` for the top level.
 * @example
 * ```ts
 * assertKnownKeys(options.jwks, JWKS_KEYS, 'jwks') // "jwks.cooldownSeconds" is not an option…
 * ```
 */
export function assertKnownKeys(value: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue
    const name = where === '' ? key : `${where}.${key}`
    const sameCase = known.find((candidate) => candidate.toLowerCase() === key.toLowerCase())
    const hint =
      sameCase === undefined
        ? `known ${where === '' ? 'options' : `"${where}" keys`}: ${known.join(', ')}`
        : `did you mean "${sameCase}"?`
    throw new GitlabIdTokenError('ERR_INVALID_CONFIG', `"${name}" is not an option; ${hint}`)
  }
}
