import { generateKeyPairSync } from 'node:crypto'

import { calculateJwkThumbprint } from 'jose'
import { describe, expect, it } from 'vitest'

import { generateSigningKey, jwkThumbprint, signingKeyFromPrivateKey } from '../src/index.js'

// gitlab.com's CI key (research spec §3): its kid is the RFC 7638 thumbprint of these members.
const GITLAB_COM_CI_KEY = {
  kty: 'RSA',
  e: 'AQAB',
  n: '4cxDjTcJRJFID6UCgepPV45T1XDz_cLXSPgMur00WXB4jJrR9bfnZDx6dWqwps2dCw-lD3Fccj2oItwdRQ99In61l48MgiJaITf5JK2c63halNYiNo22_cyBG__nCkDZTZwEfGdfPRXSOWMg1E0pgGc1PoqwOdHZrQVqTcP3vWJt8bDQSOuoZBHSwVzDSjHPY6LmJMEO42H27t3ZkcYtS5crU8j2Yf-UH5U6rrSEyMdrCpc9IXe9WCmWjz5yOQa0r3U7M5OPEKD1-8wuP6_dPw0DyNO_Ei7UerVtsx5XSTd-Z5ujeB3PFVeAdtGxJ23oRNCq2MCOZBa58EGeRDLR7Q',
}

describe('jwkThumbprint', () => {
  it("reproduces gitlab.com's CI kid", () => {
    expect(jwkThumbprint(GITLAB_COM_CI_KEY)).toBe('4i3sFE7sxqNPOT7FdvcGA1ZVGGI_r-tsDXnEuYT4ZqE')
  })

  it('ignores non-required members and agrees with jose for EC and OKP keys', async () => {
    expect(jwkThumbprint({ ...GITLAB_COM_CI_KEY, kid: 'x', use: 'sig', alg: 'RS256' })).toBe(
      '4i3sFE7sxqNPOT7FdvcGA1ZVGGI_r-tsDXnEuYT4ZqE',
    )
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      format: 'jwk',
    })
    const okp = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' })
    expect(jwkThumbprint(ec)).toBe(
      await calculateJwkThumbprint(ec as Parameters<typeof calculateJwkThumbprint>[0]),
    )
    expect(jwkThumbprint(okp)).toBe(
      await calculateJwkThumbprint(okp as Parameters<typeof calculateJwkThumbprint>[0]),
    )
  })

  it('rejects unknown key types and missing members', () => {
    expect(() => jwkThumbprint({ kty: 'XYZ' })).toThrow(TypeError)
    expect(() => jwkThumbprint({ kty: 'RSA', e: 'AQAB' })).toThrow(/"n"/)
  })
})

describe('generateSigningKey', () => {
  it('makes an RSA-2048 key published the way GitLab publishes it', async () => {
    const key = generateSigningKey()
    expect(key.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048)
    expect(Object.keys(key.publicJwk)).toEqual(['kty', 'kid', 'e', 'n', 'use', 'alg'])
    expect(key.publicJwk).toMatchObject({
      kty: 'RSA',
      e: 'AQAB',
      use: 'sig',
      alg: 'RS256',
      kid: key.kid,
    })
    expect(key.kid).toBe(await calculateJwkThumbprint(key.publicJwk))
  })

  it('can force a kid (for same-kid attacks)', () => {
    const key = generateSigningKey({ kid: 'victim-kid' })
    expect(key.kid).toBe('victim-kid')
    expect(key.publicJwk.kid).toBe('victim-kid')
  })
})

describe('signingKeyFromPrivateKey', () => {
  it('wraps a PEM with a stable kid', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    expect(signingKeyFromPrivateKey(pem).kid).toBe(signingKeyFromPrivateKey(privateKey).kid)
  })

  it('refuses public and non-RSA keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    expect(() => signingKeyFromPrivateKey(rsa.publicKey)).toThrow(TypeError)
    expect(() => signingKeyFromPrivateKey(generateKeyPairSync('ed25519').privateKey)).toThrow(
      TypeError,
    )
  })
})
