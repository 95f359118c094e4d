import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { resolveAlgorithms } from '../src/algorithms.js'
import { GitlabIdTokenError } from '../src/errors.js'
import { KeyProvider, type KeyProviderOptions } from '../src/key-provider.js'
import type { IssuerConfig } from '../src/types.js'
import { createVerifier } from '../src/verifier.js'

let gitlab: MockGitlab
let clock: number

// One mock for the file (key generation is the slow part); each test starts from its `ok` state.
beforeAll(async () => {
  gitlab = await createMockGitlab({ now: () => clock })
})
afterAll(() => gitlab.close())
beforeEach(() => {
  clock = 1_800_000_000_000
  gitlab.setKeySetResponse('ok')
  gitlab.setDiscoveryResponse('ok')
  gitlab.unpublishKeys()
  gitlab.resetRequests()
})

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
const failure = async (run: () => unknown): Promise<GitlabIdTokenError> => {
  const error = await Promise.resolve()
    .then(run)
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  if (!(error instanceof GitlabIdTokenError)) throw new Error('expected a GitlabIdTokenError')
  return error
}

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

  it('spends a refetch budget on unknown kids: 401 once a fetch showed the kid absent, 503 + Retry-After while spent', async () => {
    const keys = provider({}, { cooldownMs: 5_000, refetchesPerMinute: 3 })
    const t0 = clock
    await keys.resolve(currentKid())
    // The initial load counts: a second fetch right away would be a second fetch in 0 s.
    const spent = await failure(() => keys.resolve('random-0'))
    expect(spent).toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE', status: 503 })
    expect(spent.headers['Retry-After']).toBe('5')
    expect(gitlab.requests.jwks).toBe(1)
    clock = t0 + 5_000
    await fails(() => keys.resolve('random-1'), 'ERR_KEY_NOT_FOUND', 401)
    expect(gitlab.requests.jwks).toBe(2)
    // That fetch looked for random-1: asked again, the answer stays 401, with no fetch.
    await fails(() => keys.resolve('random-1'), 'ERR_KEY_NOT_FOUND', 401)
    await fails(() => keys.resolve('random-2'), 'ERR_JWKS_UNAVAILABLE', 503)
    clock = t0 + 10_000
    await fails(() => keys.resolve('random-3'), 'ERR_KEY_NOT_FOUND', 401)
    // Three fetches in this minute: the next is allowed at t0 + 60 s.
    clock = t0 + 15_000
    const capped = await failure(() => keys.resolve('random-4'))
    expect(capped.headers['Retry-After']).toBe('45')
    const retired = currentKid()
    gitlab.rotateKey()
    const rotated = currentKid()
    await fails(() => keys.resolve(rotated), 'ERR_JWKS_UNAVAILABLE', 503)
    expect(gitlab.requests.jwks).toBe(3)
    clock = t0 + 60_000
    expect((await keys.resolve(rotated)).length).toBe(1)
    expect(gitlab.requests.jwks).toBe(4)
    // The rotated-out kid was in the previous set: refused for good, without a fetch.
    await fails(() => keys.resolve(retired), 'ERR_KEY_NOT_FOUND', 401)
    expect(gitlab.requests.jwks).toBe(4)
  })

  it('names the kid, the known kids and the issuer in ERR_KEY_NOT_FOUND details', async () => {
    const keys = provider({}, { cooldownMs: 0 })
    await keys.resolve(currentKid())
    const error = await failure(() => keys.resolve('nope'))
    expect(error.code).toBe('ERR_KEY_NOT_FOUND')
    expect(error.details).toEqual({
      kid: 'nope',
      knownKids: [gitlab.userKey.kid, gitlab.ciKey.kid],
      issuer: gitlab.issuer,
    })
  })

  it('holds() compares by kid + thumbprint and starts the background refresh past cacheMaxAge', async () => {
    const keys = provider()
    const kid = currentKid()
    const [entry] = await keys.resolve(kid)
    if (entry === undefined) throw new Error('no key')
    clock += 601_000
    expect(keys.holds(entry)).toBe(true)
    await expect.poll(() => gitlab.requests.jwks).toBe(2)
    await expect.poll(() => keys.health().stale).toBe(false)
    // A new KeyEntry object for the same key: still held.
    const again = keys.resolve(kid)
    expect(Array.isArray(again) && again[0]).not.toBe(entry)
    expect(keys.holds(entry)).toBe(true)
    gitlab.rotateKey()
    clock += 601_000
    expect(keys.holds(entry)).toBe(true)
    await expect.poll(() => keys.holds(entry)).toBe(false)
    expect(gitlab.requests.jwks).toBe(3)
  })

  it('honours a cacheMaxAge shorter than the cooldown', async () => {
    const keys = provider({}, { cacheMaxAgeMs: 1_000, cooldownMs: 30_000 })
    const kid = currentKid()
    await keys.resolve(kid)
    clock += 1_001
    expect(Array.isArray(keys.resolve(kid))).toBe(true)
    await expect.poll(() => gitlab.requests.jwks).toBe(2)
  })

  it('skips a kid published only with unusable keys for good (401, not a retry)', async () => {
    gitlab.publishKeys([{ ...gitlab.ciKey.publicJwk, kid: 'weak', e: 'AQ' }])
    const keys = provider()
    await keys.resolve(currentKid())
    await fails(() => keys.resolve('weak'), 'ERR_KEY_NOT_FOUND', 401)
    expect(gitlab.requests.jwks).toBe(1)
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
