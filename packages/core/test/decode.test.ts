import { describe, expect, it } from 'vitest'
import { decodeToken, signingInputBytes } from '../src/decode.js'

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
const HEADER = b64({ alg: 'RS256', kid: 'k', typ: 'JWT' })
const PAYLOAD = b64({ iss: 'https://gitlab.com', sub: 'project_path:g/p' })
const SIG = Buffer.from('signature').toString('base64url')
const malformed = expect.objectContaining({ code: 'ERR_TOKEN_MALFORMED', status: 401 })

describe('decodeToken', () => {
  it('decodes header, payload, signing input and signature', () => {
    const decoded = decodeToken(`${HEADER}.${PAYLOAD}.${SIG}`, 32_768)
    expect(decoded.header).toEqual({ alg: 'RS256', kid: 'k', typ: 'JWT' })
    expect(decoded.payload).toEqual({ iss: 'https://gitlab.com', sub: 'project_path:g/p' })
    expect(decoded.signingInput).toBe(`${HEADER}.${PAYLOAD}`)
    expect(decoded.signature.toString()).toBe('signature')
  })

  it('accepts an empty signature part (checked later, by the algorithm and the key)', () => {
    expect(decodeToken(`${HEADER}.${PAYLOAD}.`, 32_768).signature.length).toBe(0)
  })

  it('checks the length before parsing anything', () => {
    const huge = `${HEADER}.${'A'.repeat(40_000)}.${SIG}`
    expect(() => decodeToken(huge, 32_768)).toThrow(
      expect.objectContaining({
        code: 'ERR_TOKEN_MALFORMED',
        message: 'token longer than 32768 bytes',
      }),
    )
  })

  it.each([
    ['a number', 42],
    ['undefined', undefined],
    ['an object', { token: 'x' }],
    ['two parts', `${HEADER}.${PAYLOAD}`],
    ['four parts', `${HEADER}.${PAYLOAD}.${SIG}.x`],
    ['a JWE (five parts)', `${HEADER}.a.b.c.d`],
    ['an empty header', `.${PAYLOAD}.${SIG}`],
    ['an empty payload', `${HEADER}..${SIG}`],
    ['padding', `${HEADER}=.${PAYLOAD}.${SIG}`],
    ['the standard alphabet', `${HEADER}.${PAYLOAD}.${SIG}+/`],
    ['whitespace', `${HEADER}.${PAYLOAD} .${SIG}`],
    ['a length of 1 mod 4', `${HEADER}.${PAYLOAD}.${SIG}A`.replace(/\.[^.]*$/, '.AAAAA')],
    ['a header that is not JSON', `${b64('x').slice(0, 2)}.${PAYLOAD}.${SIG}`],
    ['a header that is an array', `${b64([1])}.${PAYLOAD}.${SIG}`],
    ['a payload that is null', `${HEADER}.${b64(null)}.${SIG}`],
    ['a payload that is a string (nested JWT)', `${HEADER}.${b64('a.b.c')}.${SIG}`],
  ])('refuses %s with ERR_TOKEN_MALFORMED', (_name, token) => {
    expect(() => decodeToken(token, 32_768)).toThrow(malformed)
  })

  it('chains the JSON error as the cause', () => {
    const notJson = Buffer.from('{"alg":').toString('base64url')
    try {
      decodeToken(`${notJson}.${PAYLOAD}.${SIG}`, 32_768)
      expect.unreachable()
    } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_TOKEN_MALFORMED', message: 'header is not JSON' })
      expect((error as Error).cause).toBeInstanceOf(SyntaxError)
    }
  })

  it('keeps __proto__ as an own property without polluting prototypes', () => {
    const payload = Buffer.from('{"__proto__":{"polluted":true},"iss":"x"}').toString('base64url')
    const decoded = decodeToken(`${HEADER}.${payload}.${SIG}`, 32_768)
    expect(Object.prototype.hasOwnProperty.call(decoded.payload, '__proto__')).toBe(true)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('decodeToken signature spelling', () => {
  it('refuses a signature whose unused trailing bits are set (one signature, one spelling)', () => {
    // 'c2ln' is canonical; in 'c2lo' the last character differs only in bits the decoder drops.
    const twin = 'AAB'
    expect(Buffer.from(twin, 'base64url').toString('base64url')).not.toBe(twin)
    expect(() => decodeToken(`${HEADER}.${PAYLOAD}.${twin}`, 32_768)).toThrow(
      expect.objectContaining({
        code: 'ERR_TOKEN_MALFORMED',
        message: 'signature is not canonical base64url',
      }),
    )
  })
})

describe('the parsed-header cache', () => {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1', typ: 'JWT' })).toString(
    'base64url',
  )
  const token = (payload: object) =>
    `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`

  it('shares one frozen header between tokens with the same header segment', () => {
    const a = decodeToken(token({ n: 1 }), 32_768)
    const b = decodeToken(token({ n: 2 }), 32_768)
    expect(b.header).toBe(a.header)
    expect(Object.isFrozen(a.header)).toBe(true)
    expect(a.payload).not.toBe(b.payload)
  })

  it('still refuses a non-canonical header that decodes to the same JSON', () => {
    decodeToken(token({}), 32_768)
    expect(() => decodeToken(`${header}=.e30.c2ln`, 32_768)).toThrow(
      expect.objectContaining({
        code: 'ERR_TOKEN_MALFORMED',
        details: expect.objectContaining({ part: 'header' }),
      }),
    )
  })
})

describe('signingInputBytes', () => {
  it('is the latin1 bytes of header.payload, in a buffer reused by the next call', () => {
    const first = decodeToken('eyJhIjoxfQ.eyJiIjoyfQ.c2ln', 32_768)
    const second = decodeToken('eyJhIjoxfQ.eyJjIjozfQ.c2ln', 32_768)
    const bytes = signingInputBytes(first)
    expect(bytes.toString('latin1')).toBe('eyJhIjoxfQ.eyJiIjoyfQ')
    const next = signingInputBytes(second)
    expect(next.toString('latin1')).toBe('eyJhIjoxfQ.eyJjIjozfQ')
    expect(next.buffer).toBe(bytes.buffer)
  })
})
