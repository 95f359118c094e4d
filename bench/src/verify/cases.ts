/**
 * Every in-process case of the verify section, in report order. Each case builds its verifier
 * once, proves it accepts the valid tokens and refuses the tampered ones (`check`), and then
 * exposes `op(i)`, one verification that throws unless the token was accepted — so every timed
 * operation is also a correctness check.
 */

import type { PublicRsaJwk } from '@gitlab-id-token/testing'
import type { BenchTokens } from '../fixtures/bench-issuer.js'
import { CACHE_CASES, CRYPTO_CASES } from './ours-cases.js'
import { FLOOR_CASES, PEER_CASES, RAW_CASE } from './peer-cases.js'

/** What the parent sends the verify child (plain data). */
export interface VerifyInput extends BenchTokens {
  readonly issuer: string
  readonly jwksUri: string
  readonly jwks: { readonly keys: readonly PublicRsaJwk[] }
  readonly publicPem: string
  readonly audience: string
  readonly projectId: string
  /** The core has `createVerifier({ crypto })`; cases that need it are "n/a" otherwise. */
  readonly cryptoModes: boolean
}

/** `sync`: a plain loop; `async`: `inFlight` verifications kept in flight (1 = awaited one at a time). */
export type Drive = 'sync' | 'async'

/** A case ready to time. */
export interface PreparedCase {
  /** One verification of token `i`; throws (or rejects) unless the token was accepted. */
  readonly op: (i: number) => unknown
  /** Valid tokens accepted, tampered ones refused with the right code; run before timing. */
  readonly check: () => Promise<void>
}

/** One in-process case: how it is driven and how it is built. */
export interface VerifyCase {
  readonly id: string
  readonly label: string
  readonly drive: Drive
  readonly inFlight: number
  readonly tokens: 'distinct' | 'repeated' | 'prebuilt'
  /** Table the row belongs to: the baseline comparison, or the `crypto` modes side by side. */
  readonly group: 'baseline' | 'crypto'
  /** Needs `createVerifier({ crypto })` with a non-default mode. */
  readonly needsCryptoOption?: boolean
  prepare(input: VerifyInput): Promise<PreparedCase>
}

/** Every case, in report order (the sync floor first: every "× floor" divides by it). */
export const VERIFY_CASES: readonly VerifyCase[] = [
  ...FLOOR_CASES,
  RAW_CASE,
  ...CRYPTO_CASES,
  ...CACHE_CASES,
  ...PEER_CASES,
]
