import { describe, expect, it } from 'vitest'
import { bearerCandidate, extractBearerToken, isBearerCredential } from '../src/bearer.js'

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'

describe('extractBearerToken', () => {
  it('returns the token of a Bearer credential', () => {
    expect(extractBearerToken(`Bearer ${TOKEN}`)).toBe(TOKEN)
  })

  it('accepts the scheme in any case (RFC 7235 §2.1) and several spaces', () => {
    expect(extractBearerToken(`bearer ${TOKEN}`)).toBe(TOKEN)
    expect(extractBearerToken(`BEARER   ${TOKEN}`)).toBe(TOKEN)
  })

  it('accepts b64token characters and trailing padding (RFC 6750 §2.1)', () => {
    expect(extractBearerToken('Bearer a-b.c_d~e+f/g==')).toBe('a-b.c_d~e+f/g==')
  })

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['an empty list', []],
    ['the Basic scheme', 'Basic dXNlcjpwYXNz'],
    ['a Digest credential', 'Digest username="x"'],
    ['a token without a scheme', TOKEN],
  ])('answers %s with ERR_TOKEN_MISSING (401, bare challenge)', (_name, value) => {
    expect(() => extractBearerToken(value)).toThrow(
      expect.objectContaining({
        code: 'ERR_TOKEN_MISSING',
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer realm="gitlab-id-token"' },
      }),
    )
  })

  it.each([
    ['Bearer alone', 'Bearer'],
    ['Bearer and a space', 'Bearer '],
    ['two tokens', `Bearer ${TOKEN} ${TOKEN}`],
    ['a comma-joined second credential', `Bearer ${TOKEN}, Bearer ${TOKEN}`],
    ['characters outside b64token', 'Bearer a"b'],
    ['padding in the middle', 'Bearer ab=c'],
  ])('answers %s with ERR_INVALID_REQUEST (400)', (_name, value) => {
    expect(() => extractBearerToken(value)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_REQUEST', status: 400 }),
    )
  })

  it('refuses several Authorization headers with ERR_INVALID_REQUEST', () => {
    expect(() => extractBearerToken([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_REQUEST', status: 400 }),
    )
  })

  it('reads a one-element header list', () => {
    expect(extractBearerToken([`Bearer ${TOKEN}`])).toBe(TOKEN)
  })

  it('never puts the credential in the error message', () => {
    try {
      extractBearerToken(`Bearer ${TOKEN} extra`)
      expect.unreachable()
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(TOKEN)
    }
  })
})

describe('bearerCandidate, the adapters fast path', () => {
  it('slices "Bearer <word>" in any case without the grammar', () => {
    expect(bearerCandidate(`Bearer ${TOKEN}`)).toBe(TOKEN)
    expect(bearerCandidate(`bEaReR ${TOKEN}`)).toBe(TOKEN)
    // Not checked here: the verifier's decoder refuses it, then the grammar picks 400.
    expect(bearerCandidate('Bearer a"b')).toBe('a"b')
    expect(isBearerCredential('Bearer a"b')).toBe(false)
    expect(isBearerCredential(`Bearer ${TOKEN}`)).toBe(true)
  })

  it('leaves every other shape to extractBearerToken, with its answers', () => {
    expect(bearerCandidate(`Bearer   ${TOKEN}`)).toBe(TOKEN)
    expect(bearerCandidate([`Bearer ${TOKEN}`])).toBe(TOKEN)
    for (const value of [undefined, '', 'Basic dXNlcjpwYXNz', TOKEN, 'Bearerx y']) {
      expect(() => bearerCandidate(value)).toThrow(
        expect.objectContaining({ code: 'ERR_TOKEN_MISSING' }),
      )
    }
    for (const value of ['Bearer', 'Bearer ', `Bearer ${TOKEN} x`, [`Bearer a`, 'Bearer b']]) {
      expect(() => bearerCandidate(value)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_REQUEST', status: 400 }),
      )
    }
  })
})
