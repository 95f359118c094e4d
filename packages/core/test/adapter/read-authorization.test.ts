import { describe, expect, it } from 'vitest'
import { readAuthorization } from '../../src/adapter/read-authorization.js'

describe('readAuthorization', () => {
  it('finds a duplicated header in rawHeaders, whatever its case', () => {
    expect(
      readAuthorization({
        headers: { authorization: 'Bearer a' },
        rawHeaders: ['Host', 'x', 'Authorization', 'Bearer a', 'AUTHORIZATION', 'Bearer b'],
      }),
    ).toEqual(['Bearer a', 'Bearer b'])
  })

  it('returns the single value as a string', () => {
    expect(
      readAuthorization({
        headers: { authorization: 'Bearer a' },
        rawHeaders: ['authorization', 'Bearer a', 'x-authorization', 'Bearer b'],
      }),
    ).toBe('Bearer a')
    expect(readAuthorization({ headers: {}, rawHeaders: ['host', 'x'] })).toBeUndefined()
  })

  it('falls back to headersDistinct, then to headers, without rawHeaders', () => {
    expect(
      readAuthorization({
        headers: { authorization: 'Bearer a' },
        headersDistinct: { authorization: ['Bearer a', 'Bearer b'] },
      }),
    ).toEqual(['Bearer a', 'Bearer b'])
    expect(readAuthorization({ headers: { authorization: 'Bearer a' } })).toBe('Bearer a')
  })
})
