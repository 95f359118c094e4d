import { describe, expect, it } from 'vitest'
import { DEFAULT_ALGORITHMS, resolveAlgorithms } from '../src/algorithms.js'
import { configErrorMatching } from './fixtures.js'

describe('resolveAlgorithms', () => {
  it('defaults to RS256 only, the algorithm GitLab signs with', () => {
    expect(DEFAULT_ALGORITHMS).toEqual(['RS256'])
    expect([...resolveAlgorithms(undefined).keys()]).toEqual(['RS256'])
  })

  it('maps each supported algorithm onto crypto.verify parameters', () => {
    const resolved = resolveAlgorithms(['RS256', 'PS384', 'ES256', 'ES512', 'EdDSA'])
    expect(resolved.get('RS256')).toMatchObject({ kty: 'RSA', hash: 'sha256' })
    expect(resolved.get('PS384')).toMatchObject({ kty: 'RSA', hash: 'sha384', saltLength: 48 })
    expect(resolved.get('ES256')).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      dsaEncoding: 'ieee-p1363',
    })
    expect(resolved.get('ES512')).toMatchObject({ crv: 'P-521' })
    expect(resolved.get('EdDSA')).toMatchObject({ kty: 'OKP', hash: null })
  })

  it.each(['none', 'None', 'NONE', 'HS256', 'HS384', 'hs512'])('never allows %s', (alg) => {
    expect(() => resolveAlgorithms([alg])).toThrow(configErrorMatching(/must not contain/))
  })

  it('refuses an empty list and unknown names, listing the supported ones', () => {
    expect(() => resolveAlgorithms([])).toThrow(configErrorMatching(/non-empty/))
    expect(() => resolveAlgorithms(['RS1'])).toThrow(configErrorMatching(/supported: RS256, RS384/))
  })
})
