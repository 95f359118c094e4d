import { createSecretKey, generateKeyPairSync } from 'node:crypto'

import { compactVerify, importJWK, importSPKI } from 'jose'
import { describe, expect, it } from 'vitest'

import { generateSigningKey, signJwt } from '../src/index.js'

const decode = (part: string | undefined): unknown =>
  JSON.parse(Buffer.from(part ?? '', 'base64url').toString())
const rsa = generateSigningKey()

describe('signJwt', () => {
  it('produces RS256 that jose verifies', async () => {
    const token = signJwt({ a: 1 }, { header: { alg: 'RS256', kid: rsa.kid }, key: rsa.privateKey })
    const { payload, protectedHeader } = await compactVerify(token, rsa.publicKey)
    expect(protectedHeader).toEqual({ alg: 'RS256', kid: rsa.kid })
    expect(JSON.parse(Buffer.from(payload).toString())).toEqual({ a: 1 })
  })

  it.each(['RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const)(
    'produces %s that jose verifies',
    async (alg) => {
      const token = signJwt({ a: 1 }, { header: { alg }, key: rsa.privateKey })
      await expect(compactVerify(token, rsa.publicKey)).resolves.toBeTruthy()
    },
  )

  it.each([
    ['ES256', 'P-256'],
    ['ES384', 'P-384'],
    ['ES512', 'P-521'],
  ] as const)('produces %s (raw r||s) that jose verifies', async (alg, namedCurve) => {
    const pair = generateKeyPairSync('ec', { namedCurve })
    const token = signJwt({ a: 1 }, { header: { alg }, key: pair.privateKey })
    await expect(compactVerify(token, pair.publicKey)).resolves.toBeTruthy()
  })

  it('produces EdDSA that jose verifies', async () => {
    const pair = generateKeyPairSync('ed25519')
    const token = signJwt({ a: 1 }, { header: { alg: 'EdDSA' }, key: pair.privateKey })
    await expect(compactVerify(token, pair.publicKey)).resolves.toBeTruthy()
  })

  it('HS256 keyed with a public key PEM: the algorithm-confusion forgery', async () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const token = signJwt({ a: 1 }, { header: { alg: 'HS256', kid: rsa.kid }, key: pem })
    await expect(compactVerify(token, createSecretKey(Buffer.from(pem)))).resolves.toBeTruthy()
    await expect(compactVerify(token, await importSPKI(pem, 'RS256'))).rejects.toThrow()
  })

  it('HS* with a secret KeyObject or bytes', async () => {
    const secret = createSecretKey(Buffer.alloc(32, 7))
    const a = signJwt({ a: 1 }, { header: { alg: 'HS512' }, key: secret })
    const b = signJwt({ a: 1 }, { header: { alg: 'HS512' }, key: new Uint8Array(32).fill(7) })
    expect(a).toBe(b)
    await expect(compactVerify(a, secret)).resolves.toBeTruthy()
  })

  it('none: empty signature; other spellings need an explicit algorithm', () => {
    expect(signJwt({ a: 1 }, { header: { alg: 'none' } }).endsWith('.')).toBe(true)
    expect(() => signJwt({ a: 1 }, { header: { alg: 'NONE' } })).toThrow(/options\.algorithm/)
    const token = signJwt({ a: 1 }, { header: { alg: 'NONE' }, algorithm: 'none' })
    expect(decode(token.split('.')[0])).toEqual({ alg: 'NONE' })
    expect(token.split('.')[2]).toBe('')
  })

  it('signs with one algorithm under a header that claims another', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const token = signJwt(
      { a: 1 },
      { header: { alg: 'RS256' }, key: pair.privateKey, algorithm: 'ES256' },
    )
    expect(decode(token.split('.')[0])).toEqual({ alg: 'RS256' })
    const jwk = pair.publicKey.export({ format: 'jwk' })
    await expect(
      compactVerify(token, await importJWK({ ...jwk, alg: 'ES256' }, 'ES256')),
    ).rejects.toThrow()
  })

  it('takes verbatim header/payload strings and raw payload bytes', () => {
    const token = signJwt('{"a":1,"a":2,"__proto__":{"x":1}}', {
      header: '{"alg":"RS256", "alg":"RS256"}',
      key: rsa.privateKey,
    })
    const [header, payload] = token.split('.')
    expect(Buffer.from(header ?? '', 'base64url').toString()).toBe('{"alg":"RS256", "alg":"RS256"}')
    expect(Buffer.from(payload ?? '', 'base64url').toString()).toBe(
      '{"a":1,"a":2,"__proto__":{"x":1}}',
    )
    const bytes = signJwt(new Uint8Array([0xff, 0x00]), { header: { alg: 'none' } })
    expect(bytes.split('.')[1]).toBe('_wA')
  })

  it('refuses missing or wrong key material with a TypeError', () => {
    expect(() => signJwt({}, { header: { alg: 'RS256' } })).toThrow(TypeError)
    expect(() => signJwt({}, { header: { alg: 'RS256' }, key: rsa.publicKey })).toThrow(TypeError)
    expect(() => signJwt({}, { header: { alg: 'HS256' }, key: rsa.privateKey })).toThrow(/secret/)
    expect(() => signJwt({}, { header: { alg: 'HS256' } })).toThrow(/secret/)
  })
})
