import type { GitlabIdTokenErrorCode } from '@gitlab-id-token/core'
import { describe, expect, it } from 'vitest'
import { EXIT, exitCodeFor } from '../src/exit-codes.js'

// Every code of the core, spelled out: a new code fails to compile here until it has its row.
const EXPECTED: Record<GitlabIdTokenErrorCode, number> = {
  ERR_TOKEN_MISSING: 4,
  ERR_INVALID_REQUEST: 1,
  ERR_TOKEN_MALFORMED: 1,
  ERR_ALGORITHM_NOT_ALLOWED: 1,
  ERR_ISSUER_UNTRUSTED: 1,
  ERR_KEY_NOT_FOUND: 1,
  ERR_SIGNATURE_INVALID: 1,
  ERR_AUDIENCE_MISMATCH: 1,
  ERR_NOT_A_CI_TOKEN: 1,
  ERR_TOKEN_EXPIRED: 1,
  ERR_TOKEN_NOT_YET_VALID: 1,
  ERR_TOKEN_TOO_OLD: 1,
  ERR_TOKEN_REPLAYED: 1,
  ERR_ASSERTION_INVALID: 1,
  ERR_POLICY_DENIED: 2,
  ERR_INSUFFICIENT_SCOPE: 2,
  ERR_ROUTE_NOT_FOUND: 2,
  ERR_JWKS_UNAVAILABLE: 3,
  ERR_REPLAY_UNAVAILABLE: 3,
  ERR_INVALID_CONFIG: 4,
  ERR_GATEWAY_MISCONFIGURED: 4,
}

describe('exitCodeFor', () => {
  it('maps every core code to its pinned exit code', () => {
    const got = Object.fromEntries(
      Object.keys(EXPECTED).map((code) => [code, exitCodeFor(code as GitlabIdTokenErrorCode)]),
    )
    expect(got).toEqual(EXPECTED)
  })

  it('is 0 without a code and 4 for a usage error', () => {
    expect([exitCodeFor(undefined), exitCodeFor('ERR_USAGE')]).toEqual([EXIT.ok, EXIT.usage])
    expect(EXIT).toEqual({ ok: 0, refused: 1, problems: 1, denied: 2, unavailable: 3, usage: 4 })
  })
})
