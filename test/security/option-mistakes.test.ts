/**
 * Issue 8, low "unknown option keys" and "bound durations": an option the verifier does not know
 * (`maxTokenAgeSeconds`, `clocktolerance`, `jwks.cooldownSeconds`, `cache.maxEntries`) used to be
 * ignored, so the protection it was meant to configure silently did not exist; `clockTolerance:
 * 1e9` accepted a token that expired a year ago. Both are now `ERR_INVALID_CONFIG` at
 * `createVerifier`, naming the known keys. Genuine tokens from the mock issuer show what the
 * refused configuration would have let through, and that the bounded one refuses it.
 */

import {
  createVerifier,
  isGitlabIdTokenError,
  type GitlabIdTokenError,
  type VerifierOptions,
} from '@gitlab-id-token/core'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const AUDIENCE = 'https://options.example.com'
const YEAR = 365 * 24 * 3600
const policy = { allow: [{ match: { project_path: 'acme/widget' } }] }

let gitlab: MockGitlab
beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterAll(() => gitlab.close())

const options = (extra: Record<string, unknown>): VerifierOptions => ({
  audience: AUDIENCE,
  issuer: gitlab.issuer,
  policy,
  ...extra,
})

function startupError(extra: Record<string, unknown>): GitlabIdTokenError {
  try {
    createVerifier(options(extra))
  } catch (error) {
    if (isGitlabIdTokenError(error, 'ERR_INVALID_CONFIG')) return error
    throw error
  }
  throw new Error('expected ERR_INVALID_CONFIG at createVerifier')
}

function expectStartupError(extra: Record<string, unknown>, message: RegExp): void {
  const error = startupError(extra)
  expect([error.code, error.status, error.expose]).toEqual(['ERR_INVALID_CONFIG', 500, false])
  expect(error.headers['WWW-Authenticate']).toBeUndefined()
  expect(error.message).toMatch(message)
}

const yearOld = () => {
  const now = Math.floor(Date.now() / 1000)
  return gitlab.mint({
    aud: AUDIENCE,
    project_path: 'acme/widget',
    iat: now - YEAR - 3600,
    nbf: now - YEAR - 3605,
    exp: now - YEAR,
  })
}

describe('unknown option keys are refused at startup, naming the known ones', () => {
  it.each([
    ['maxTokenAgeSeconds', { maxTokenAgeSeconds: 600 }, /"maxTokenAgeSeconds" is not an option/],
    [
      'clocktolerance (wrong case)',
      { clocktolerance: 5 },
      /"clocktolerance" is not an option; did you mean "clockTolerance"\?/,
    ],
    [
      'jwks.cooldownSeconds',
      { jwks: { cooldownSeconds: 5 } },
      /"jwks.cooldownSeconds" is not an option; known "jwks" keys: cacheMaxAge, cooldown/,
    ],
    [
      'cache.maxEntries',
      { cache: { maxEntries: 5 } },
      /"cache.maxEntries" is not an option; known "cache" keys: max/,
    ],
  ])('%s → ERR_INVALID_CONFIG 500 (was: ignored)', (_name, extra, message) => {
    expectStartupError(extra, message)
  })

  it('maxTokenAgeSeconds was the protection that silently did not exist: maxTokenAge refuses the old token', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget', iat: now - 3600 })
    const verifier = createVerifier(options({ maxTokenAge: 600 }))
    const error = await verifier.verify(token).then(
      () => expect.unreachable(),
      (e: unknown) => e as GitlabIdTokenError,
    )
    expect([error.code, error.status]).toEqual(['ERR_TOKEN_TOO_OLD', 401])
    expect(error.headers['WWW-Authenticate']).toMatch(
      /^Bearer realm="gitlab-id-token", error="invalid_token"/,
    )
  })
})

describe('durations are bounded', () => {
  it('clockTolerance: 1e9 → ERR_INVALID_CONFIG 500 (was: a token expired a year ago accepted)', () => {
    expectStartupError({ clockTolerance: 1e9 }, /clockTolerance/)
  })

  it('clockTolerance above 300 s needs allowLargeClockTolerance: true', () => {
    expectStartupError({ clockTolerance: 301 }, /above 300 s.*allowLargeClockTolerance/)
    expect(() =>
      createVerifier(options({ clockTolerance: 301, allowLargeClockTolerance: true })),
    ).not.toThrow()
  })

  it('a token expired a year ago → ERR_TOKEN_EXPIRED 401 at the largest tolerance allowed without the override', async () => {
    const error = await createVerifier(options({ clockTolerance: 300 }))
      .verify(yearOld())
      .then(
        () => expect.unreachable(),
        (e: unknown) => e as GitlabIdTokenError,
      )
    expect([error.code, error.status]).toEqual(['ERR_TOKEN_EXPIRED', 401])
    expect(error.headers['WWW-Authenticate']).toMatch(/error="invalid_token"/)
  })

  it.each([
    [
      'maxTokenAge in milliseconds',
      { maxTokenAge: 3_600_000 },
      /"maxTokenAge" is 3600000 s, above/,
    ],
    ['jwks.timeout in milliseconds', { jwks: { timeout: 5000 } }, /"jwks.timeout" is 5000 s/],
    [
      'jwks.cacheMaxAge in milliseconds',
      { jwks: { cacheMaxAge: 600_000_000 } },
      /"jwks.cacheMaxAge"/,
    ],
  ])('%s → ERR_INVALID_CONFIG 500', (_name, extra, message) => {
    expectStartupError(extra, message)
  })
})
