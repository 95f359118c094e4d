import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { resolveAlgorithms } from '../src/algorithms.js'
import { KeyProvider, type KeyProviderOptions } from '../src/key-provider.js'
import type { IssuerConfig } from '../src/types.js'
import { createVerifier } from '../src/verifier.js'

let gitlab: MockGitlab
let clock: number

beforeEach(async () => {
  clock = 1_800_000_000_000
  gitlab = await createMockGitlab({ now: () => clock })
})
afterEach(() => gitlab.close())

function provider(config: Partial<IssuerConfig> = {}, options: Partial<KeyProviderOptions> = {}) {
  return new KeyProvider(
    { issuer: gitlab.issuer, ...config },
    {
      algorithms: resolveAlgorithms(undefined),
      fetch: globalThis.fetch,
      now: () => clock,
      cacheMaxAgeMs: 600_000,
      cooldownMs: 30_000,
      timeoutMs: 5_000,
      maxStaleMs: 86_400_000,
      ...options,
    },
  )
}
const kidOf = (token: string): string =>
  (
    JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()) as {
      kid: string
    }
  ).kid
const currentKid = (): string => kidOf(gitlab.mint({ aud: 'x' }))
const fails = (run: () => unknown, code: string, status: number) =>
  expect(Promise.resolve().then(run)).rejects.toMatchObject({ code, status })

describe('KeyProvider', () => {
  it('discovers the key set once and then serves keys synchronously', async () => {
    const keys = provider()
    const kid = currentKid()
    const first = keys.resolve(kid)
    expect(first).toBeInstanceOf(Promise)
    expect((await first).length).toBe(1)
    const second = keys.resolve(kid)
    expect(Array.isArray(second)).toBe(true)
    expect(gitlab.requests).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it('coalesces 1,000 concurrent first requests into one discovery and one key-set fetch', async () => {
    const verifier = createVerifier({
      audience: 'https://deploy.example.com',
      issuer: gitlab.issuer,
      policy: { allow: [{ match: { project_path: 'acme/widget' } }] },
      now: () => clock,
      cache: false,
    })
    const tokens = Array.from({ length: 1000 }, () =>
      gitlab.mint(
        { aud: 'https://deploy.example.com', project_path: 'acme/widget' },
        { now: clock },
      ),
    )
    const results = await Promise.allSettled(tokens.map((token) => verifier.verify(token)))
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true)
    expect(gitlab.requests).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it('skips discovery with an explicit jwksUri, and fetches nothing with a static key set', async () => {
    const kid = currentKid()
    await provider({ jwksUri: gitlab.jwksUri }).resolve(kid)
    expect(gitlab.requests).toMatchObject({ discovery: 0, jwks: 1 })
    const jwks = (await (await fetch(gitlab.jwksUri)).json()) as IssuerConfig['jwks']
    const before = gitlab.requests.jwks
    const statics = provider(jwks === undefined ? {} : { jwks })
    expect((await statics.resolve(kid)).length).toBe(1)
    await fails(() => statics.resolve('unknown'), 'ERR_KEY_NOT_FOUND', 401)
    expect(gitlab.requests.jwks).toBe(before)
  })

  it('refetches on an unknown kid at most once per cooldown, then sees a rotated key', async () => {
    const keys = provider()
    await keys.resolve(currentKid())
    // The initial load starts the cooldown too.
    await fails(() => keys.resolve('random-0'), 'ERR_KEY_NOT_FOUND', 401)
    expect(gitlab.requests.jwks).toBe(1)
    clock += 30_000
    await fails(() => keys.resolve('random-1'), 'ERR_KEY_NOT_FOUND', 401)
    expect(gitlab.requests.jwks).toBe(2)
    for (let i = 0; i < 50; i += 1)
      await fails(() => keys.resolve(`random-${i}`), 'ERR_KEY_NOT_FOUND', 401)
    expect(gitlab.requests.jwks).toBe(2)
    gitlab.rotateKey()
    const rotated = currentKid()
    await fails(() => keys.resolve(rotated), 'ERR_KEY_NOT_FOUND', 401)
    clock += 30_000
    expect((await keys.resolve(rotated)).length).toBe(1)
    expect(gitlab.requests.jwks).toBe(3)
  })

  it('drops a rotated-out key, and with it any cached result', async () => {
    const verifier = createVerifier({
      audience: 'a',
      issuer: gitlab.issuer,
      policy: { allow: [{ match: { project_path: 'acme/widget' } }] },
      now: () => clock,
    })
    const old = gitlab.mint({ aud: 'a', project_path: 'acme/widget' }, { now: clock })
    await verifier.verify(old)
    gitlab.rotateKey()
    clock += 31_000
    await verifier.verify(gitlab.mint({ aud: 'a', project_path: 'acme/widget' }, { now: clock }))
    await expect(verifier.verify(old)).rejects.toMatchObject({
      code: 'ERR_KEY_NOT_FOUND',
      status: 401,
    })
  })

  it('refreshes in the background after cacheMaxAge while still serving', async () => {
    const keys = provider()
    const kid = currentKid()
    await keys.resolve(kid)
    clock += 601_000
    expect(Array.isArray(keys.resolve(kid))).toBe(true)
    await expect.poll(() => gitlab.requests.jwks).toBe(2)
  })

  it('keeps serving the last good key set for maxStale during an outage, then answers 503', async () => {
    const keys = provider()
    const kid = currentKid()
    await keys.resolve(kid)
    gitlab.setKeySetResponse('error')
    clock += 601_000
    expect(Array.isArray(keys.resolve(kid))).toBe(true)
    await expect.poll(() => gitlab.requests.jwks).toBe(2)
    clock += 86_400_000
    const error = await Promise.resolve()
      .then(() => keys.resolve(kid))
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE', status: 503, expose: false })
    expect((error as { headers: Record<string, string> }).headers['Retry-After']).toMatch(/^\d+$/)
  })

  it('tells onFetchError about every failed fetch, also while stale keys still serve', async () => {
    const seen: [string, string][] = []
    const keys = provider(
      {},
      {
        onFetchError: (error, issuer) => {
          seen.push([error.message, issuer])
          throw new Error('a broken alerting hook')
        },
      },
    )
    const kid = currentKid()
    await keys.resolve(kid)
    gitlab.setKeySetResponse('error')
    clock += 601_000
    expect(Array.isArray(keys.resolve(kid))).toBe(true)
    await expect.poll(() => seen.length).toBe(1)
    expect(seen[0]?.[0]).toMatch(/HTTP 500/)
    expect(seen[0]?.[1]).toBe(gitlab.issuer)
    expect(Array.isArray(keys.resolve(kid))).toBe(true)
  })

  it('answers 503 with Retry-After when the first fetch fails, backs off, and recovers', async () => {
    const keys = provider()
    const kid = currentKid()
    gitlab.setKeySetResponse('error')
    const error = await Promise.resolve()
      .then(() => keys.resolve(kid))
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE', status: 503 })
    expect((error as Error).cause).toBeInstanceOf(Error)
    expect((error as { headers: Record<string, string> }).headers['Retry-After']).toBe('30')
    const fetches = gitlab.requests.jwks
    await fails(() => keys.resolve(kid), 'ERR_JWKS_UNAVAILABLE', 503)
    expect(gitlab.requests.jwks).toBe(fetches)
    gitlab.setKeySetResponse('ok')
    clock += 30_000
    expect((await keys.resolve(kid)).length).toBe(1)
  })

  it('fails a hanging key set at the timeout with ERR_JWKS_UNAVAILABLE', async () => {
    gitlab.setKeySetResponse('hang')
    const keys = provider({}, { timeoutMs: 200 })
    await fails(async () => keys.resolve(currentKid()), 'ERR_JWKS_UNAVAILABLE', 503)
  })

  it('treats a garbage key set as a failed fetch', async () => {
    gitlab.setKeySetResponse('garbage')
    const keys = provider()
    await fails(async () => keys.resolve(currentKid()), 'ERR_JWKS_UNAVAILABLE', 503)
  })

  it('refuses a discovery document that names another issuer (503: our misconfiguration)', async () => {
    gitlab.setDiscoveryResponse('wrong-issuer')
    const keys = provider()
    const error = await Promise.resolve()
      .then(async () => keys.resolve(currentKid()))
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE', status: 503 })
    expect(String(((error as Error).cause as Error).message)).toContain('jwksUri')
    expect(gitlab.requests.jwks).toBe(0)
  })
})
