import { generateKeyPairSync, type JsonWebKey as NodeJwk } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { resolveAlgorithms } from '../src/algorithms.js'
import { importKeySet } from '../src/key-set.js'

const rsa = (bits = 2048): NodeJwk =>
  generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' })
const rsaPrivate = (): NodeJwk =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })
const ec = (): NodeJwk =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })
const RS256 = resolveAlgorithms(['RS256'])

describe('importKeySet', () => {
  it('imports signing keys by kid, with a verify input per fitting algorithm', async () => {
    const set = await importKeySet(
      {
        keys: [
          { ...rsa(), kid: 'ci', use: 'sig', alg: 'RS256' },
          { ...rsa(), kid: 'any' },
        ],
      },
      resolveAlgorithms(['RS256', 'PS256']),
    )
    expect([...set.keys()]).toEqual(['ci', 'any'])
    expect([...(set.get('ci')?.[0]?.inputs.keys() ?? [])]).toEqual(['RS256'])
    expect([...(set.get('any')?.[0]?.inputs.keys() ?? [])]).toEqual(['RS256', 'PS256'])
  })

  it('skips keys it must not or cannot use, without failing the set', async () => {
    const set = await importKeySet(
      {
        keys: [
          { ...rsa(), kid: 'enc', use: 'enc' },
          { ...rsa() },
          { ...rsa(), kid: '' },
          { ...rsaPrivate(), kid: 'private' },
          { ...rsa(1024), kid: 'short' },
          { ...ec(), kid: 'ec' },
          { ...rsa(), kid: 'ps', alg: 'PS256' },
          { kty: 'RSA', kid: 'broken', n: 'AQAB', e: 'AQAB' },
          { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0' },
          null,
          'text',
          { ...rsa(), kid: 'good' },
        ],
      },
      RS256,
    )
    expect([...set.keys()]).toEqual(['good'])
  })

  it('keeps every key of a duplicated kid as a candidate', async () => {
    const set = await importKeySet(
      {
        keys: [
          { ...rsa(), kid: 'same' },
          { ...rsa(), kid: 'same' },
        ],
      },
      RS256,
    )
    expect(set.get('same')).toHaveLength(2)
  })

  it('imports EC keys when an ES algorithm is allowed, checking the curve', async () => {
    const set = await importKeySet(
      { keys: [{ ...ec(), kid: 'p256' }] },
      resolveAlgorithms(['ES256', 'ES384']),
    )
    expect([...(set.get('p256')?.[0]?.inputs.keys() ?? [])]).toEqual(['ES256'])
  })

  it.each([null, [], {}, { keys: {} }, 'keys'])(
    'refuses a document of the wrong shape: %j',
    async (document) => {
      await expect(importKeySet(document, RS256)).rejects.toThrow(/"keys" array/)
    },
  )
})
