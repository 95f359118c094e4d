/**
 * Issue 8, Medium 4 and its low items: a full, slow, failing or confused replay store is the
 * server's condition (503 `ERR_REPLAY_UNAVAILABLE` + `Retry-After`, nothing of the store's message
 * on the wire), never a 401 that blames the caller; one tenant cannot take the whole store; and
 * replay protection can be spent only where it is needed.
 */

import {
  createMemoryReplayStore,
  createVerifier,
  isGitlabIdTokenError,
  type ReplayStore,
  type VerifierOptions,
} from '@gitlab-id-token/core'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, sendRaw } from './support/http.js'
import { FRAMEWORKS, startApp } from './support/servers.js'

const AUDIENCE = 'https://replay.example.com'
const policy = {
  allow: [
    { name: 'deploy', match: { project_path: 'acme/widget', ref: 'main' }, grants: ['deploy'] },
    { name: 'read', match: { project_path: ['acme/widget', 'acme/other'] }, grants: ['read'] },
  ],
}
const STORE_SECRET = 'connect ECONNREFUSED 10.20.30.40:6379'

let gitlab: MockGitlab
beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterAll(() => gitlab.close())

const verifierWith = (
  replay: NonNullable<VerifierOptions['replay']>,
  extra: Partial<VerifierOptions> = {},
) => createVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy, replay, ...extra })
const mint = (claims: Record<string, unknown> = {}) =>
  gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget', ref: 'main', ...claims })
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable(),
    (e) => e,
  )

async function expectUnavailable(promise: Promise<unknown>, reason: string) {
  const error = await refusal(promise)
  expect(isGitlabIdTokenError(error, 'ERR_REPLAY_UNAVAILABLE')).toBe(true)
  expect(error).toMatchObject({
    code: 'ERR_REPLAY_UNAVAILABLE',
    status: 503,
    expose: false,
    details: { reason },
  })
  expect(error.headers['Retry-After']).toMatch(/^\d+$/)
  expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="gitlab-id-token"')
  expect(JSON.stringify(error.toJSON())).not.toContain('ECONNREFUSED')
  expect(error.message).not.toContain('ECONNREFUSED')
  return error
}

describe('store faults are 503 ERR_REPLAY_UNAVAILABLE, never 401', () => {
  it('a full memory store (was: ERR_TOKEN_REPLAYED 401 for every fresh token)', async () => {
    const verifier = verifierWith({ store: createMemoryReplayStore({ max: 2, maxTenantShare: 1 }) })
    await verifier.verify(mint())
    await verifier.verify(mint())
    const error = await expectUnavailable(verifier.verify(mint()), 'full')
    expect(error.details.identity).toMatchObject({ verified: true, project_path: 'acme/widget' })
  })

  it('a full 100,000-entry memory store refuses 200 more inserts in well under 2 s, each 503 full (was: a scan of every entry per insert)', async () => {
    const store = createMemoryReplayStore({ max: 100_000, maxTenantShare: 1 })
    const later = Date.now() + 3_600_000
    let admitted = 0
    for (let i = 0; i < 100_000; i++)
      if (store.remember(`fill-${i}`, later + i) === true) admitted++
    expect(admitted).toBe(100_000)
    const started = performance.now()
    for (let i = 0; i < 200; i++) {
      expect(() => store.remember(`more-${i}`, later)).toThrow(
        expect.objectContaining({ code: 'ERR_REPLAY_UNAVAILABLE', status: 503 }),
      )
    }
    const elapsed = performance.now() - started
    // Not a benchmark: the old store scanned all 100,000 entries on each insert (~86 ms, so ~17 s
    // for these 200); expiry buckets make it O(1). The bound only has to separate the two.
    expect(elapsed).toBeLessThan(2000)
    // The same full store through the verifier: a genuine fresh token gets the 503, not a 401.
    await expectUnavailable(verifierWith({ store }).verify(mint()), 'full')
  })

  it('a store that throws: cause chained, the store message never on the wire', async () => {
    const cause = new Error(STORE_SECRET)
    const store: ReplayStore = {
      remember() {
        throw cause
      },
    }
    const error = await expectUnavailable(verifierWith({ store }).verify(mint()), 'error')
    expect(error.cause).toBe(cause)
  })

  it('a store that rejects', async () => {
    const cause = new Error(STORE_SECRET)
    const store: ReplayStore = { remember: () => Promise.reject(cause) }
    const error = await expectUnavailable(verifierWith({ store }).verify(mint()), 'error')
    expect(error.cause).toBe(cause)
  })

  it.each([
    ['"true"', 'true'],
    ['1', 1],
    ['an object', { ok: true }],
    ['undefined', undefined],
    ['null', null],
  ])(
    'an answer of %s is a store error, not an admission (only === true admits)',
    async (_n, answer) => {
      const sync: ReplayStore = { remember: () => answer as unknown as boolean }
      const async: ReplayStore = { remember: async () => answer as unknown as boolean }
      await expectUnavailable(verifierWith({ store: sync }).verify(mint()), 'invalid-answer')
      await expectUnavailable(verifierWith({ store: async }).verify(mint()), 'invalid-answer')
    },
  )

  it('a hung store fails after replay.timeout instead of hanging the request', async () => {
    const store: ReplayStore = { remember: () => new Promise<boolean>(() => undefined) }
    await expectUnavailable(verifierWith({ store, timeout: 0.05 }).verify(mint()), 'timeout')
  })

  it('false is still ERR_TOKEN_REPLAYED (401): the caller did reuse the token', async () => {
    const verifier = verifierWith({ store: { remember: async () => false } })
    await expect(verifier.verify(mint())).rejects.toMatchObject({
      code: 'ERR_TOKEN_REPLAYED',
      status: 401,
    })
  })

  it.each(FRAMEWORKS)(
    '%s answers a failing store with 503, Retry-After and no store message',
    async (framework) => {
      const store: ReplayStore = {
        remember: () => Promise.reject(new Error(STORE_SECRET)),
      }
      const app = await startApp(framework, { verifier: verifierWith({ store }) })
      try {
        const response = await sendRaw(`${app.url}/whoami`, { headers: bearer(mint()) })
        expect(response.status).toBe(503)
        expect(response.headers['retry-after']).toBe('1')
        expect(response.json).toMatchObject({ code: 'ERR_REPLAY_UNAVAILABLE' })
        expect(response.text).not.toContain('ECONNREFUSED')
        expect(response.text).not.toContain('10.20.30.40')
      } finally {
        await app.close()
      }
    },
  )
})

describe('per-tenant fairness', () => {
  it('one project holds at most maxTenantShare of the store; others still get in', async () => {
    const store = createMemoryReplayStore({ max: 4, maxTenantShare: 0.5 })
    const verifier = verifierWith({ store })
    const widget = (n: number) => mint({ project_id: '42', jti: `w-${n}` })
    await verifier.verify(widget(1))
    await verifier.verify(widget(2))
    const error = await expectUnavailable(verifier.verify(widget(3)), 'tenant-share')
    expect(error.details).toMatchObject({ reason: 'tenant-share', tenant: '42' })
    const other = mint({ project_path: 'acme/other', project_id: '43' })
    await expect(verifier.verify(other)).resolves.toMatchObject({ rules: ['read'] })
  })
})

describe('replay.only', () => {
  it('spends the store only on tokens that matched the named rules or grants', async () => {
    const store = createMemoryReplayStore()
    const verifier = verifierWith({ store, only: { grants: ['deploy'] } }, { cache: false })
    const readOnly = mint({ project_path: 'acme/other', ref: 'feature' })
    await verifier.verify(readOnly)
    await expect(verifier.verify(readOnly)).resolves.toMatchObject({ grants: ['read'] })
    const deploy = mint()
    await verifier.verify(deploy)
    await expect(verifier.verify(deploy)).rejects.toMatchObject({
      code: 'ERR_TOKEN_REPLAYED',
      status: 401,
    })
  })

  it('refuses, at startup, an only that names no rule of the policy', () => {
    expect(() =>
      verifierWith({ store: createMemoryReplayStore(), only: { rules: ['deploy-prod'] } }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG', status: 500 }))
  })
})
