import { generateKeyPairSync, type JsonWebKey as NodeJwk } from 'node:crypto'
import { jwkThumbprint } from '@gitlab-id-token/testing'
import { describe, expect, it } from 'vitest'
import { resolveAlgorithms } from '../src/algorithms.js'
import { importKeyDocument, importKeySet, keySetHolds } from '../src/key-set.js'

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

  it('skips RSA keys with an even, tiny or huge public exponent (FIPS 186-5: odd, 2^16 < e < 2^256)', async () => {
    const base = rsa()
    const e = (value: bigint): string => {
      const hex = value.toString(16)
      return Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex').toString('base64url')
    }
    const { keys, skipped } = await importKeyDocument(
      {
        keys: [
          { ...base, kid: 'one', e: 'AQ' },
          { ...base, kid: 'three', e: 'Aw' },
          { ...base, kid: 'even', e: e(65_538n) },
          { ...base, kid: 'huge', e: e(65_537n + 2n ** 256n) },
          { ...base, kid: 'standard' },
        ],
      },
      RS256,
    )
    expect([...keys.keys()]).toEqual(['standard'])
    expect([...skipped].sort()).toEqual(['even', 'huge', 'one', 'three'])
  })

  it('gives each key an RFC 7638 thumbprint and its exact signature length', async () => {
    const jwk = { ...rsa(3072), kid: 'k' }
    const first = (await importKeySet({ keys: [jwk] }, RS256)).get('k')?.[0]
    const again = (await importKeySet({ keys: [{ ...jwk, alg: 'RS256' }] }, RS256)).get('k')?.[0]
    expect(first?.signatureLength).toBe(384)
    expect(first?.thumbprint).toBe(jwkThumbprint(jwk))
    expect(again?.thumbprint).toBe(first?.thumbprint)
    const p256 = (
      await importKeySet({ keys: [{ ...ec(), kid: 'e' }] }, resolveAlgorithms(['ES256']))
    ).get('e')?.[0]
    expect(p256?.signatureLength).toBe(64)
  })

  it('keySetHolds compares kid + thumbprint, and needs every algorithm the entry had', async () => {
    const jwk = { ...rsa(), kid: 'k' }
    const both = resolveAlgorithms(['RS256', 'PS256'])
    const entry = (await importKeySet({ keys: [jwk] }, both)).get('k')?.[0]
    if (entry === undefined) throw new Error('no entry')
    expect(keySetHolds(await importKeySet({ keys: [jwk] }, both), entry)).toBe(true)
    expect(keySetHolds(await importKeySet({ keys: [{ ...jwk, alg: 'RS256' }] }, both), entry)).toBe(
      false,
    )
    expect(keySetHolds(await importKeySet({ keys: [{ ...rsa(), kid: 'k' }] }, both), entry)).toBe(
      false,
    )
    expect(keySetHolds(await importKeySet({ keys: [{ ...jwk, kid: 'other' }] }, both), entry)).toBe(
      false,
    )
  })

  it.each([null, [], {}, { keys: {} }, 'keys'])(
    'refuses a document of the wrong shape: %j',
    async (document) => {
      await expect(importKeySet(document, RS256)).rejects.toThrow(/"keys" array/)
    },
  )
})
