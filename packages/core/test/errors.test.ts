import { describe, expect, expectTypeOf, it } from 'vitest'
import type { DetailsOf } from '../src/error-details.js'
import {
  GitlabIdTokenError,
  isGitlabIdTokenError,
  type GitlabIdTokenErrorCode,
} from '../src/errors.js'

const table: [GitlabIdTokenErrorCode, number, string | undefined][] = [
  ['ERR_TOKEN_MISSING', 401, undefined],
  ['ERR_INVALID_REQUEST', 400, 'invalid_request'],
  ['ERR_TOKEN_MALFORMED', 401, 'invalid_token'],
  ['ERR_ALGORITHM_NOT_ALLOWED', 401, 'invalid_token'],
  ['ERR_ISSUER_UNTRUSTED', 401, 'invalid_token'],
  ['ERR_KEY_NOT_FOUND', 401, 'invalid_token'],
  ['ERR_SIGNATURE_INVALID', 401, 'invalid_token'],
  ['ERR_AUDIENCE_MISMATCH', 401, 'invalid_token'],
  ['ERR_NOT_A_CI_TOKEN', 401, 'invalid_token'],
  ['ERR_TOKEN_EXPIRED', 401, 'invalid_token'],
  ['ERR_TOKEN_NOT_YET_VALID', 401, 'invalid_token'],
  ['ERR_TOKEN_TOO_OLD', 401, 'invalid_token'],
  ['ERR_TOKEN_REPLAYED', 401, 'invalid_token'],
  ['ERR_POLICY_DENIED', 403, 'insufficient_scope'],
  ['ERR_INSUFFICIENT_SCOPE', 403, 'insufficient_scope'],
  ['ERR_JWKS_UNAVAILABLE', 503, undefined],
  ['ERR_INVALID_CONFIG', 500, undefined],
]

describe('GitlabIdTokenError', () => {
  it.each(table)('%s is a %i with error=%s', (code, status, oauthError) => {
    const error = new GitlabIdTokenError(code)
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({ name: 'GitlabIdTokenError', code, status, statusCode: status })
    expect(error.oauthError).toBe(oauthError)
    expect(error.expose).toBe(status < 500)
    const challenge = error.headers['WWW-Authenticate']
    if (status === 500) {
      expect(challenge).toBeUndefined()
    } else if (oauthError === undefined) {
      expect(challenge).toBe('Bearer realm="gitlab-id-token"')
    } else {
      expect(challenge).toMatch(
        new RegExp(
          `^Bearer realm="gitlab-id-token", error="${oauthError}", error_description="[^"]+"$`,
        ),
      )
    }
  })

  it('adds Retry-After only on 503, rounded up to whole seconds', () => {
    expect(new GitlabIdTokenError('ERR_JWKS_UNAVAILABLE').headers['Retry-After']).toBe('30')
    expect(
      new GitlabIdTokenError('ERR_JWKS_UNAVAILABLE', undefined, { retryAfter: 2.2 }).headers[
        'Retry-After'
      ],
    ).toBe('3')
    expect(
      new GitlabIdTokenError('ERR_JWKS_UNAVAILABLE', undefined, { retryAfter: 0 }).headers[
        'Retry-After'
      ],
    ).toBe('1')
    expect(new GitlabIdTokenError('ERR_SIGNATURE_INVALID').headers['Retry-After']).toBeUndefined()
  })

  it('chains cause and keeps details out of the message and headers', () => {
    const cause = new Error('socket hang up')
    const error = new GitlabIdTokenError('ERR_POLICY_DENIED', 'denied by policy', {
      cause,
      details: { deniedBy: 'no-forks', reasons: [] },
    })
    expect(error.cause).toBe(cause)
    expect(error.details).toEqual({ deniedBy: 'no-forks', reasons: [] })
    expect(error.message).toBe('denied by policy')
    expect(JSON.stringify(error.headers)).not.toContain('no-forks')
  })

  it('serialises to an RFC 6750-style body with the code', () => {
    expect(new GitlabIdTokenError('ERR_TOKEN_EXPIRED', 'token expired (exp)').toJSON()).toEqual({
      error: 'invalid_token',
      error_description: 'token expired',
      code: 'ERR_TOKEN_EXPIRED',
    })
    expect(new GitlabIdTokenError('ERR_JWKS_UNAVAILABLE').toJSON()).toMatchObject({
      error: 'server_error',
    })
    expect(new GitlabIdTokenError('ERR_TOKEN_MISSING').toJSON()).toMatchObject({
      error: 'unauthorized',
    })
  })

  it('is recognised by isGitlabIdTokenError, optionally by code', () => {
    const error = new GitlabIdTokenError('ERR_KEY_NOT_FOUND')
    expect(isGitlabIdTokenError(error)).toBe(true)
    expect(isGitlabIdTokenError(error, 'ERR_KEY_NOT_FOUND')).toBe(true)
    expect(isGitlabIdTokenError(error, 'ERR_TOKEN_EXPIRED')).toBe(false)
    expect(isGitlabIdTokenError(new Error('x'))).toBe(false)
    expect(isGitlabIdTokenError({ name: 'GitlabIdTokenError' })).toBe(false)
  })
})

describe('typed details', () => {
  it('narrow through isGitlabIdTokenError(err, code), so nobody casts', () => {
    const thrown: unknown = new GitlabIdTokenError('ERR_ISSUER_UNTRUSTED', 'untrusted', {
      details: { received: 'https://evil.example', trusted: ['https://gitlab.com'] },
    })
    if (!isGitlabIdTokenError(thrown, 'ERR_ISSUER_UNTRUSTED')) throw new Error('not narrowed')
    expectTypeOf(thrown.details).toEqualTypeOf<DetailsOf<'ERR_ISSUER_UNTRUSTED'> | undefined>()
    expectTypeOf(thrown.code).toEqualTypeOf<'ERR_ISSUER_UNTRUSTED'>()
    expect(thrown.details?.trusted).toEqual(['https://gitlab.com'])
    // @ts-expect-error: another code's shape is refused at the throw site
    new GitlabIdTokenError('ERR_AUDIENCE_MISMATCH', 'x', { details: { kid: 'k', knownKids: [] } })
  })

  it('put request_id in toJSON() only once set', () => {
    const error = new GitlabIdTokenError('ERR_TOKEN_EXPIRED')
    expect(error.toJSON()).not.toHaveProperty('request_id')
    error.requestId = 'abc'
    expect(error.toJSON()).toEqual({
      error: 'invalid_token',
      error_description: 'token expired',
      code: 'ERR_TOKEN_EXPIRED',
      request_id: 'abc',
    })
  })
})
