import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { resolveAlgorithms } from '../src/algorithms.js'
import { KeyProvider, type KeyProviderOptions } from '../src/key-provider.js'
import type { SharedKeySetCache, SharedKeySetEntry } from '../src/types.js'
import { createVerifier } from '../src/verifier.js'

let gitlab: MockGitlab
let clock: number

beforeAll(async () => {
  gitlab = await createMockGitlab({ now: () => clock })
})
afterAll(() => gitlab.close())
beforeEach(() => {
  clock = 1_800_000_000_000
  gitlab.setKeySetResponse('ok')
  gitlab.setDiscoveryResponse({ delayMs: 30 })
  gitlab.resetRequests()
})

/** An in-process SharedKeySetCache, counting calls; `fail` makes every call reject. */
function memoryCache() {
  const entries = new Map<string, SharedKeySetEntry>()
  const locks = new Set<string>()
  const calls = { get: 0, set: 0, lock: 0, unlock: 0 }
  const state = { fail: false, hang: false, neverLock: false }
  const gate = async (): Promise<void> => {
    if (state.hang) await new Promise(() => undefined)
    if (state.fail) throw new Error('connect ECONNREFUSED 10.20.30.40:6379')
  }
  const cache: SharedKeySetCache = {
    async get(issuer) {
      calls.get += 1
      await gate()
      return entries.get(issuer)
    },
    async set(issuer, entry) {
      calls.set += 1
      await gate()
      entries.set(issuer, structuredClone(entry))
    },
    async lock(issuer) {
      calls.lock += 1
      await gate()
      if (state.neverLock || locks.has(issuer)) return false
      locks.add(issuer)
      return true
    },
    async unlock(issuer) {
      calls.unlock += 1
      await gate()
      locks.delete(issuer)
    },
  }
  return { cache, entries, calls, state }
}

function provider(shared: SharedKeySetCache, options: Partial<KeyProviderOptions> = {}) {
  const errors: string[] = []
  const keys = new KeyProvider(
    { issuer: gitlab.issuer },
    {
      algorithms: resolveAlgorithms(undefined),
      fetch: globalThis.fetch,
      now: () => clock,
      cacheMaxAgeMs: 600_000,
      cooldownMs: 5_000,
      timeoutMs: 1_000,
      maxStaleMs: 3_600_000,
      shared,
      onFetchError: (error) => errors.push(error.message),
      ...options,
    },
  )
  return Object.assign(keys, { errors })
}

const kid = (): string => gitlab.ciKey.kid

describe('jwks.shared', () => {
  it('8 instances cold-started together: 1 discovery and 1 key-set fetch in total', async () => {
    const { cache, calls } = memoryCache()
    const fleet = Array.from({ length: 8 }, () => provider(cache))
    const results = await Promise.all(fleet.map(async (keys) => keys.resolve(kid())))
    expect(results.every((list) => list.length === 1)).toBe(true)
    expect(gitlab.requests).toMatchObject({ discovery: 1, jwks: 1 })
    expect(calls).toMatchObject({ set: 1, unlock: 1 })
  })

  it('8 verifiers through createVerifier({ jwks: { shared } }) share one fetch too', async () => {
    const { cache } = memoryCache()
    const verifiers = Array.from({ length: 8 }, () =>
      createVerifier({
        issuer: gitlab.issuer,
        audience: 'a',
        policy: { allow: [{ match: { project_path: 'acme/widget' } }] },
        now: () => clock,
        jwks: { shared: cache },
      }),
    )
    await Promise.all(verifiers.map((verifier) => verifier.ready()))
    expect(gitlab.requests).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it('a rotation one instance fetched reaches another through the shared entry, without its own fetch', async () => {
    const { cache } = memoryCache()
    const a = provider(cache)
    const b = provider(cache)
    await a.resolve(kid())
    await b.resolve(kid())
    expect(gitlab.requests.jwks).toBe(1)
    gitlab.rotateKey()
    clock += 5_000
    expect((await a.resolve(kid())).length).toBe(1)
    expect(gitlab.requests.jwks).toBe(2)
    // B's budget is untouched, but it re-reads the shared entry first: no fetch, no 503.
    expect((await b.resolve(kid())).length).toBe(1)
    expect(gitlab.requests).toMatchObject({ jwks: 2, discovery: 1 })
  })

  it('refuses a tampered entry (a key set of the wrong shape) and fetches itself', async () => {
    const { cache, entries } = memoryCache()
    entries.set(gitlab.issuer, { jwks: { keys: 'evil' } as never, fetchedAt: clock })
    const keys = provider(cache)
    expect((await keys.resolve(kid())).length).toBe(1)
    expect(gitlab.requests.jwks).toBe(1)
    expect(keys.errors.some((message) => message.startsWith('shared key-set entry refused'))).toBe(
      true,
    )
  })

  it('filters a shared entry like a fetched one: only weak keys (RSA-1024, e = 1) → ignored, fetches itself', async () => {
    const { cache, entries } = memoryCache()
    const weak = { ...gitlab.ciKey.publicJwk, e: 'AQ' }
    entries.set(gitlab.issuer, { jwks: { keys: [weak] }, fetchedAt: clock })
    const keys = provider(cache)
    expect((await keys.resolve(kid())).length).toBe(1)
    expect(gitlab.requests.jwks).toBe(1)
  })

  it('refuses an entry over the 512 KiB document cap, or from the future', async () => {
    const { cache, entries } = memoryCache()
    const padding = { kty: 'oct', kid: 'pad', k: 'A'.repeat(600 * 1024) }
    entries.set(gitlab.issuer, {
      jwks: { keys: [gitlab.ciKey.publicJwk, padding] },
      fetchedAt: clock,
    })
    const big = provider(cache)
    await big.resolve(kid())
    expect(big.errors).toContain('shared key-set entry refused: jwks larger than 524288 bytes')
    entries.set(gitlab.issuer, {
      jwks: { keys: [gitlab.ciKey.publicJwk] },
      fetchedAt: clock + 3_600_000,
    })
    const future = provider(cache)
    await future.resolve(kid())
    expect(future.errors).toContain('shared key-set entry refused: fetchedAt in the future')
    expect(gitlab.requests.jwks).toBe(2)
  })

  it('a failing shared cache → each instance fetches itself, and says so through onFetchError', async () => {
    const { cache, state } = memoryCache()
    state.fail = true
    const keys = provider(cache)
    expect((await keys.resolve(kid())).length).toBe(1)
    expect(gitlab.requests.jwks).toBe(1)
    expect(keys.errors[0]).toMatch(/^shared key-set cache get failed/)
  })

  it('another instance holds the lock and never writes: wait within the timeout, then fetch itself', async () => {
    const { cache, state, calls } = memoryCache()
    state.neverLock = true
    const keys = provider(cache, { timeoutMs: 300 })
    expect((await keys.resolve(kid())).length).toBe(1)
    expect(gitlab.requests.jwks).toBe(1)
    expect(calls.get).toBeGreaterThan(2)
    expect(calls.set).toBe(0)
  })

  it('never waits on the shared cache while a usable key set is in memory (a hung cache included)', async () => {
    const { cache, state } = memoryCache()
    const keys = provider(cache)
    const [entry] = await keys.resolve(kid())
    state.hang = true
    expect(Array.isArray(keys.resolve(kid()))).toBe(true)
    clock += 601_000
    // Stale: a background refresh starts and waits on the hung cache; lookups still answer now.
    expect(Array.isArray(keys.resolve(kid()))).toBe(true)
    expect(entry !== undefined && keys.holds(entry)).toBe(true)
  })

  it('an unknown kid re-reads the shared cache at most once a second', async () => {
    const { cache, calls } = memoryCache()
    const keys = provider(cache)
    await keys.resolve(kid())
    const before = calls.get
    for (let i = 0; i < 20; i += 1) {
      await Promise.resolve()
        .then(() => keys.resolve(`random-${i}`))
        .catch(() => undefined)
    }
    expect(calls.get - before).toBe(1)
  })
})
