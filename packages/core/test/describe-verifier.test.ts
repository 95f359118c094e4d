import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryReplayStore } from '../src/replay-store.js'
import { createVerifier } from '../src/verifier.js'

const AUDIENCE = 'https://describe.example.com'
const policy = {
  allow: [
    {
      name: 'deploy',
      match: { project_id: '9081726354', ref_protected: true },
      grants: ['deploy'],
    },
    { match: { namespace_id: '7', environment: (value: unknown) => value === 'x' } },
  ],
  deny: [{ match: { pipeline_source: 'merge_request_event' } }],
}

let gitlab: MockGitlab
beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterAll(() => gitlab.close())

describe('verifier.describe()', () => {
  it('returns the effective configuration as plain JSON, defaults applied', () => {
    const verifier = createVerifier({
      audience: AUDIENCE,
      issuer: [gitlab.issuer, { issuer: 'https://gitlab.airgap.example', jwks: { keys: [] } }],
      policy: {
        allow: policy.allow.map((rule) => ({
          ...rule,
          match: { iss: gitlab.issuer, ...rule.match },
        })),
      },
      replay: { store: createMemoryReplayStore(), only: { grants: ['deploy'] } },
      crypto: 'auto',
    })
    const described = verifier.describe()
    expect(JSON.parse(JSON.stringify(described))).toEqual(described)
    expect(described).toEqual({
      issuers: [
        { issuer: gitlab.issuer, keys: 'discovery' },
        { issuer: 'https://gitlab.airgap.example', keys: 'static' },
      ],
      audiences: [AUDIENCE],
      algorithms: ['RS256'],
      clockTolerance: 30,
      maxTokenLength: 32_768,
      jwks: expect.objectContaining({ cacheMaxAge: 600, timeout: 5, maxStale: 86_400 }),
      cache: { max: 1000 },
      crypto: 'auto',
      replay: { timeout: 1, only: { grants: ['deploy'] } },
      policy: {
        allow: [
          { name: 'deploy', claims: ['iss', 'project_id', 'ref_protected'], grants: ['deploy'] },
          { name: 'allow[1]', claims: ['iss', 'namespace_id', 'environment'], grants: [] },
        ],
        deny: [],
      },
      allowAnyProject: false,
    })
  })

  it('never carries matcher values, functions or the store', () => {
    const verifier = createVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy })
    const text = JSON.stringify(verifier.describe())
    expect(text).not.toContain('9081726354')
    expect(text).not.toContain('merge_request_event')
    expect(verifier.describe().policy.deny).toEqual([
      { name: 'deny[0]', claims: ['pipeline_source'] },
    ])
  })
})

describe('verifier.ready() and health()', () => {
  it('fetches the key sets at startup and reports them usable', async () => {
    const verifier = createVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy })
    expect(verifier.health()).toEqual([
      expect.objectContaining({ issuer: gitlab.issuer, usable: false }),
    ])
    gitlab.resetRequests()
    await verifier.ready()
    const [health] = verifier.health()
    expect(health).toMatchObject({ issuer: gitlab.issuer, usable: true, stale: false })
    expect(health?.kids.length).toBeGreaterThan(0)
    // The first request then costs no fetch.
    const before = gitlab.requests.jwks
    await verifier.verify(
      gitlab.mint({ aud: AUDIENCE, project_id: '9081726354', ref_protected: 'true' }),
    )
    expect(gitlab.requests.jwks).toBe(before)
  })

  it('rejects with ERR_JWKS_UNAVAILABLE when an issuer is down', async () => {
    gitlab.setKeySetResponse('error')
    try {
      const verifier = createVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy })
      await expect(verifier.ready()).rejects.toMatchObject({
        code: 'ERR_JWKS_UNAVAILABLE',
        status: 503,
      })
      expect(verifier.health()[0]).toMatchObject({ usable: false })
    } finally {
      gitlab.setKeySetResponse('ok')
    }
  })
})

describe('verifier.explain()', () => {
  it('runs every check on a token failing several at once, without throwing', async () => {
    const verifier = createVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy })
    const token = gitlab.mint({ aud: 'https://other.example', project_id: '9' })
    const explanation = await verifier.explain(token)
    const failed = explanation.checks.filter((check) => check.status === 'fail').map((c) => c.name)
    expect(failed).toEqual(expect.arrayContaining(['audience', 'policy']))
  })
})
