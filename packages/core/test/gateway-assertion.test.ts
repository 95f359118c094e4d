import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createGatewayAssertionVerifier, GATEWAY_ASSERTION_TYPE } from '../src/gateway-assertion.js'

const NOW = 1_800_000_000
const { privateKey, publicKey } = generateKeyPairSync('ed25519')
const jwk = {
  ...(publicKey.export({ format: 'jwk' }) as object),
  kid: 'k1',
  use: 'sig',
  alg: 'EdDSA',
}
const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
const claims = {
  iss: 'gw',
  aud: 'https://app.example',
  sub: 'project_path:a/b:ref_type:branch:ref:main',
  route: 'deploy',
  grants: ['deploy'],
  claims: { project_id: '42' },
  iat: NOW,
  exp: NOW + 30,
  jti: 'x',
}
function assertion(payload: object = claims, header: object = {}, key = privateKey): string {
  const input = `${b64({ alg: 'EdDSA', typ: GATEWAY_ASSERTION_TYPE, kid: 'k1', ...header })}.${b64(payload)}`
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`
}
const verifier = (extra: object = {}) =>
  createGatewayAssertionVerifier({
    jwks: { keys: [jwk as never] },
    issuer: 'gw',
    audience: 'https://app.example',
    now: () => NOW * 1000 + 1000,
    ...extra,
  })
const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (e: { code?: string; status?: number }) => `${e.code} ${e.status}`,
  )

describe('createGatewayAssertionVerifier', () => {
  it('returns the frozen assertion', async () => {
    const result = await verifier().verify(assertion())
    expect(result).toEqual(claims)
    expect(Object.isFrozen(result)).toBe(true)
    expect(verifier().header).toBe('x-gitlab-assertion')
  })

  it.each([
    [
      'a tampered payload',
      () => assertion().replace(/\.[^.]+\./, `.${b64({ ...claims, grants: ['admin'] })}.`),
    ],
    ['another key', () => assertion(claims, {}, generateKeyPairSync('ed25519').privateKey)],
    ['an unknown kid', () => assertion(claims, { kid: 'k2' })],
    ['alg RS256', () => assertion(claims, { alg: 'RS256' })],
    ['the JWT typ of a CI token', () => assertion(claims, { typ: 'JWT' })],
    ['a crit header', () => assertion(claims, { crit: ['x'] })],
    ['another issuer', () => assertion({ ...claims, iss: 'other' })],
    ['another audience', () => assertion({ ...claims, aud: 'https://other.example' })],
    ['an expired assertion', () => assertion({ ...claims, iat: NOW - 100, exp: NOW - 50 })],
    ['a lifetime over 60 s', () => assertion({ ...claims, exp: NOW + 3600 })],
    ['a future iat', () => assertion({ ...claims, iat: NOW + 100, exp: NOW + 120 })],
    ['non-string claims', () => assertion({ ...claims, claims: { project_id: 42 } })],
    ['grants that are not strings', () => assertion({ ...claims, grants: [1] })],
    ['garbage', () => 'not-a-jws'],
  ])('refuses %s with ERR_ASSERTION_INVALID (401)', async (_label, make) => {
    expect(await code(verifier().verify(make()))).toBe('ERR_ASSERTION_INVALID 401')
  })

  it('refuses bad options with ERR_INVALID_CONFIG', () => {
    expect(() => createGatewayAssertionVerifier({ issuer: 'gw' })).toThrow(
      /exactly one of "jwksUri" and "jwks"/,
    )
    expect(() =>
      createGatewayAssertionVerifier({ issuer: 'gw', jwksUri: 'http://gw.example/jwks.json' }),
    ).toThrow(/https:\/\//)
    expect(() => createGatewayAssertionVerifier({ issuer: '', jwks: { keys: [] } })).toThrow(
      /"issuer" is required/,
    )
  })

  describe('with jwksUri', () => {
    let served: object[] = [jwk]
    let fetches = 0
    let down = false
    const server = createServer((_req, res) => {
      fetches += 1
      if (down) {
        res.statusCode = 502
        res.end('bad gateway')
        return
      }
      res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: served }))
    })
    let url = ''
    beforeAll(async () => {
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`
    })
    afterAll(() => server.close())

    const next = generateKeyPairSync('ed25519')
    const nextJwk = {
      ...(createPublicKey(next.privateKey).export({ format: 'jwk' }) as object),
      kid: 'k2',
    }
    // An assertion issued at `ms` (the verifier's clock), valid for 30 s.
    const issuedAt = (ms: number): object => {
      const iat = Math.floor(ms / 1000)
      return { ...claims, iat, exp: iat + 30 }
    }

    it('fetches once, and refetches for a new kid at most once per 30 s', async () => {
      let now = NOW * 1000
      const remote = createGatewayAssertionVerifier({ jwksUri: url, issuer: 'gw', now: () => now })
      await remote.verify(assertion())
      await remote.verify(assertion())
      expect(fetches).toBe(1)
      served = [jwk, nextJwk]
      // Within 30 s of the last fetch an unknown kid is answered without a fetch (a flood costs
      // nothing), as retryable: no fetch has shown it absent, so it may be a rotation not yet seen.
      expect(await code(remote.verify(assertion(claims, { kid: 'k2' }, next.privateKey)))).toBe(
        'ERR_JWKS_UNAVAILABLE 503',
      )
      expect(fetches).toBe(1)
      now += 31_000
      const later = { ...claims, iat: NOW + 31, exp: NOW + 60 }
      expect(await code(remote.verify(assertion(later, { kid: 'k2' }, next.privateKey)))).toBe('ok')
      expect(fetches).toBe(2)
      expect(await code(remote.verify(assertion(later, { kid: 'k3' }, next.privateKey)))).toBe(
        'ERR_JWKS_UNAVAILABLE 503',
      )
      expect(fetches).toBe(2)
      now += 31_000
      expect(
        await code(
          remote.verify(
            assertion({ ...claims, iat: NOW + 62, exp: NOW + 90 }, { kid: 'k3' }, next.privateKey),
          ),
        ),
      ).toBe('ERR_ASSERTION_INVALID 401')
      expect(fetches).toBe(3)
    })

    it('stops accepting a key removed from the gateway key set once the cache is 5 min old', async () => {
      served = [jwk, nextJwk]
      let now = NOW * 1000
      const remote = createGatewayAssertionVerifier({ jwksUri: url, issuer: 'gw', now: () => now })
      expect(await code(remote.verify(assertion(issuedAt(now))))).toBe('ok')
      const before = fetches
      // The gateway rotated k1 out; the cached set serves until it is 5 min old.
      served = [nextJwk]
      now += 299_000
      expect(await code(remote.verify(assertion(issuedAt(now))))).toBe('ok')
      expect(fetches).toBe(before)
      now += 2000
      // Past the age the old set still serves while one background refresh runs…
      expect(await code(remote.verify(assertion(issuedAt(now))))).toBe('ok')
      // …and once it lands, k1 is refused for good while k2 verifies.
      await vi.waitFor(async () => {
        expect(await code(remote.verify(assertion(issuedAt(now))))).toBe(
          'ERR_ASSERTION_INVALID 401',
        )
      })
      expect(fetches).toBe(before + 1)
      expect(
        await code(remote.verify(assertion(issuedAt(now), { kid: 'k2' }, next.privateKey))),
      ).toBe('ok')
      expect(fetches).toBe(before + 1)
    })

    it('answers 503 ERR_JWKS_UNAVAILABLE with Retry-After while the key set is down and nothing is cached', async () => {
      served = [jwk]
      down = true
      let now = NOW * 1000
      const remote = createGatewayAssertionVerifier({ jwksUri: url, issuer: 'gw', now: () => now })
      const before = fetches
      const refusal = (await remote.verify(assertion(issuedAt(now))).catch((e: unknown) => e)) as {
        code?: string
        status?: number
        headers?: Record<string, string>
      }
      expect(refusal).toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE', status: 503 })
      expect(Number(refusal.headers?.['Retry-After'])).toBeGreaterThanOrEqual(1)
      expect(fetches).toBe(before + 1)
      // Within the cooldown: still retryable, and no fetch (never a 401 the caller cannot retry).
      now += 10_000
      expect(await code(remote.verify(assertion(issuedAt(now))))).toBe('ERR_JWKS_UNAVAILABLE 503')
      expect(fetches).toBe(before + 1)
      // Back up: the next attempt after the cooldown loads the keys.
      down = false
      now += 21_000
      expect(await code(remote.verify(assertion(issuedAt(now))))).toBe('ok')
      expect(fetches).toBe(before + 2)
    })
  })
})
