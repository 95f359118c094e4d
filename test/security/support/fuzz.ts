/**
 * Fuzzing settings shared by the property suites: seeded and reproducible. `FUZZ_RUNS` raises the
 * number of runs per property (default 500); `FUZZ_SEED` replays another seed.
 */

import type { GitlabIdTokenErrorCode } from '@gitlab-id-token/core'

export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 500)
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_251_127)

/** fast-check parameters for one property. */
export const fuzzParameters = { numRuns: FUZZ_RUNS, seed: FUZZ_SEED } as const

/** Every code `verify()` is documented to reject with (core README, "What verify checks"). */
export const VERIFY_CODES: ReadonlySet<GitlabIdTokenErrorCode> = new Set([
  'ERR_TOKEN_MALFORMED',
  'ERR_ALGORITHM_NOT_ALLOWED',
  'ERR_ISSUER_UNTRUSTED',
  'ERR_KEY_NOT_FOUND',
  'ERR_JWKS_UNAVAILABLE',
  'ERR_SIGNATURE_INVALID',
  'ERR_AUDIENCE_MISMATCH',
  'ERR_NOT_A_CI_TOKEN',
  'ERR_TOKEN_EXPIRED',
  'ERR_TOKEN_NOT_YET_VALID',
  'ERR_TOKEN_TOO_OLD',
  'ERR_POLICY_DENIED',
  'ERR_TOKEN_REPLAYED',
])
