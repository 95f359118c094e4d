import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { resolveAlgorithms } from '../src/algorithms.js'
import { KeyProvider, type KeyProviderOptions } from '../src/key-provider.js'
import type { IssuerConfig } from '../src/types.js'

let gitlab: MockGitlab
let clock: number

beforeAll(async () => {
  gitlab = await createMockGitlab({ now: () => clock })
})
afterAll(() => gitlab.close())
beforeEach(() => {
  clock = 1_800_000_000_000
  gitlab.setKeySetResponse('ok')
  gitlab.setDiscoveryResponse('ok')
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
      cooldownMs: 5_000,
      timeoutMs: 2_000,
      maxStaleMs: 3_600_000,
      ...options,
    },
  )
}

describe('KeyProvider.ready() and health()', () => {
  it('ok: ready() fetches once; health() lists the kids, fresh, with the next fetch time', async () => {
    const keys = provider()
    expect(keys.health()).toEqual({
      issuer: gitlab.issuer,
      usable: false,
      kids: [],
      stale: false,
      nextFetchAt: new Date(clock),
    })
    await keys.ready()
    await keys.ready()
    expect(gitlab.requests).toMatchObject({ discovery: 1, jwks: 1 })
    expect(keys.health()).toEqual({
      issuer: gitlab.issuer,
      usable: true,
      kids: [gitlab.userKey.kid, gitlab.ciKey.kid],
      fetchedAt: new Date(clock),
      stale: false,
      nextFetchAt: new Date(clock + 5_000),
    })
  })

  it('stale: past cacheMaxAge ready() refreshes; when that fails it still resolves and health() says why', async () => {
    const keys = provider()
    await keys.ready()
    const fetchedAt = clock
    clock += 601_000
    gitlab.setKeySetResponse('error')
    await keys.ready()
    expect(gitlab.requests.jwks).toBe(2)
    const health = keys.health()
    expect(health).toMatchObject({ usable: true, stale: true, fetchedAt: new Date(fetchedAt) })
    expect(health.lastError).toMatch(/answered HTTP 500/)
  })

  it('down: ready() rejects with ERR_JWKS_UNAVAILABLE naming the URL, the status and the reason', async () => {
    gitlab.setKeySetResponse('error')
    const keys = provider()
    const error = await keys.ready().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toMatchObject({
      code: 'ERR_JWKS_UNAVAILABLE',
      status: 503,
      details: {
        issuer: gitlab.issuer,
        url: gitlab.jwksUri,
        status: 500,
        reason: expect.stringMatching(/answered HTTP 500/) as unknown,
      },
    })
    expect(keys.health()).toMatchObject({ usable: false, kids: [], stale: false })
    // Inside the refetch interval a probe fetches nothing more.
    await expect(keys.ready()).rejects.toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE' })
    expect(gitlab.requests.jwks).toBe(1)
  })

  it('down (network): details name the URL and the network error, without a status', async () => {
    const keys = provider({ jwksUri: 'http://127.0.0.1:9/keys' })
    const error = await keys.ready().then(
      () => undefined,
      (e: unknown) => e as { details?: Record<string, unknown> },
    )
    expect(error?.details).toEqual({
      issuer: gitlab.issuer,
      url: 'http://127.0.0.1:9/keys',
      reason: 'GET http://127.0.0.1:9/keys failed',
    })
  })

  it('rejects when the key set holds no key usable with the allowed algorithms', async () => {
    const keys = provider({}, { algorithms: resolveAlgorithms(['ES256']) })
    await expect(keys.ready()).rejects.toMatchObject({
      code: 'ERR_JWKS_UNAVAILABLE',
      details: { reason: 'the key set holds no key usable with the allowed algorithms' },
    })
  })

  it('an issuer configured with a trailing slash: onFetchError names both values and the fix', async () => {
    const warnings: [string, string][] = []
    const keys = provider(
      { issuer: `${gitlab.issuer}/` },
      { onFetchError: (error, issuer) => warnings.push([error.message, issuer]) },
    )
    const error = await keys.ready().then(
      () => undefined,
      (e: unknown) => e as { details?: { reason?: string; url?: string } },
    )
    const expected = `discovery document names issuer "${gitlab.issuer}", configured "${gitlab.issuer}/": set "issuer" to "${gitlab.issuer}" exactly (tokens carry that value as iss)`
    expect(warnings).toEqual([[expected, `${gitlab.issuer}/`]])
    expect(error?.details).toMatchObject({ reason: expected, url: gitlab.discoveryUrl })
  })

  it('a static key set is ready without a fetch and has no next fetch', async () => {
    const keys = provider({ jwks: { keys: [gitlab.ciKey.publicJwk] } })
    await keys.ready()
    expect(keys.health()).toEqual({
      issuer: gitlab.issuer,
      usable: true,
      kids: [gitlab.ciKey.kid],
      fetchedAt: new Date(clock),
      stale: false,
    })
    expect(gitlab.requests.total).toBe(0)
  })
})
