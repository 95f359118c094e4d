/**
 * What a verifier is made of, for the tools that must re-run its checks one by one
 * (`verifier.explain()`, the CLI) without a second copy of the configuration logic.
 *
 * Internal: not exported from the package barrel, and free to change between minor releases.
 *
 * @module
 */

import type { AlgorithmSpec } from './algorithms.js'
import type { DecodedToken } from './decode.js'
import type { KeyProvider } from './key-provider.js'
import type { CompiledPolicy } from './policy.js'
import type { ResolvedOptions } from './resolve-options.js'
import type { VerifierOptions } from './types.js'

/**
 * The parts of one verifier, exactly as its `verify()` uses them.
 *
 * - `settings`: the validated options (audiences, issuers, algorithms, time rules, key-set
 *   settings, `now`).
 * - `providers`: one key provider per trusted issuer, keyed by the exact `iss` string; sharing
 *   them means an explanation sees the same cached key sets as `verify()`.
 * - `policy`: the compiled policy (`decide(claims)`), compiled once with the verifier's options.
 * - `options`: the caller's options as given (for echoing configuration, never for re-validating).
 * - `decode(token)`: the verifier's own decoder (same length cap and header cache).
 * - `checkHeader(header)`: `alg`, `crit`, `b64` checks; throws what `verify()` would throw.
 *
 * @example
 * ```ts
 * export async function explainToken(token: string, internals: VerifierInternals) {
 *   const decoded = internals.decode(token)
 *   const provider = internals.providers.get(String(decoded.payload.iss))
 *   const decision = internals.policy.decide(decoded.payload as never)
 * }
 * ```
 */
export interface VerifierInternals {
  readonly settings: ResolvedOptions
  readonly providers: ReadonlyMap<string, KeyProvider>
  readonly policy: CompiledPolicy
  readonly options: VerifierOptions
  readonly decode: (token: unknown) => DecodedToken
  readonly checkHeader: (header: Readonly<Record<string, unknown>>) => AlgorithmSpec
}
