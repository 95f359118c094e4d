/**
 * Issue 8, medium 1: matchers are not a denial-of-service lever. Genuine tokens signed by the mock
 * issuer, through `createVerifier`:
 *
 * - a worst-case glob after a tenant pin (`review/*-*-*-*-*`) against a crafted 250-character
 *   `environment` (the old backtracking `RegExp` took about 10 s per test on this value);
 * - an outsider's token does no matcher work beyond the failed pin: no allow-rule function, no
 *   deny-rule function, not even to explain the refusal (function calls are counted);
 * - deny rules run only once an allow rule matched.
 */

import {
  createVerifier,
  isGitlabIdTokenError,
  type GitlabIdTokenClaims,
  type GitlabIdTokenError,
  type Policy,
  type Verifier,
} from '@gitlab-id-token/core'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const AUDIENCE = 'https://review.example.com'
const WIDGET = 'acme/widget'
const GLOB = 'review/*-*-*-*-*'
// `*` is `[^/]*` and the trailing `/` makes every split of the dashes fail: C(250, 4) ≈ 1.6e8
// backtracking steps for the old RegExp; GitLab allows environment names of up to 255 characters.
const CRAFTED = `review/${'-'.repeat(250)}/`
const CHALLENGE =
  'Bearer realm="gitlab-id-token", error="insufficient_scope", error_description="denied by policy"'

let gitlab: MockGitlab
let widgetId: string

beforeAll(async () => {
  gitlab = await createMockGitlab()
  widgetId = gitlab.buildClaims({ project_path: WIDGET }).project_id
})

afterAll(async () => {
  await gitlab.close()
})

async function refusal(verifier: Verifier, token: string): Promise<GitlabIdTokenError> {
  const error: unknown = await verifier.verify(token).then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!isGitlabIdTokenError(error)) throw new Error('expected a GitlabIdTokenError')
  return error
}

const mint = (projectPath: string, environment: string): string =>
  gitlab.mint({ aud: AUDIENCE, project_path: projectPath, environment })

describe('policy DoS: a worst-case glob after a tenant pin', () => {
  const policy = (): Policy => ({
    allow: [
      {
        name: 'review',
        match: { project_id: widgetId, environment: { glob: GLOB } },
        grants: ['review'],
      },
    ],
  })

  it('an outsider with a crafted 250-character environment → ERR_POLICY_DENIED 403, the reason is the failed pin only', async () => {
    const verifier = createVerifier({ issuer: gitlab.issuer, audience: AUDIENCE, policy: policy() })
    const error = await refusal(verifier, mint('mallory/widget', CRAFTED))
    expect(error.code).toBe('ERR_POLICY_DENIED')
    expect(error.status).toBe(403)
    expect(error.headers).toEqual({ 'WWW-Authenticate': CHALLENGE })
    const details = error.details as { reasons: { rule: string; failures: { claim: string }[] }[] }
    expect(details.reasons.map((r) => [r.rule, r.failures.map((f) => f.claim)])).toEqual([
      ['review', ['project_id']],
    ])
  })

  it('the tenant itself with the crafted environment → ERR_POLICY_DENIED 403, decided in linear time', async () => {
    const verifier = createVerifier({ issuer: gitlab.issuer, audience: AUDIENCE, policy: policy() })
    const token = mint(WIDGET, CRAFTED)
    await refusal(verifier, mint(WIDGET, 'warm-up')) // key set fetched outside the measurement
    const started = performance.now()
    const error = await refusal(verifier, token)
    const elapsed = performance.now() - started
    expect(error.code).toBe('ERR_POLICY_DENIED')
    expect(error.status).toBe(403)
    const details = error.details as { reasons: { failures: { claim: string }[] }[] }
    expect(details.reasons[0]?.failures.map((f) => f.claim)).toEqual(['environment'])
    // Not a benchmark: the old matcher needed ~10,000 ms for this one value, the linear one well
    // under a millisecond; the bound only has to separate the two on a loaded CI machine.
    expect(elapsed).toBeLessThan(1000)
  })

  it('control: the tenant with a matching environment → accepted with the rule grants', async () => {
    const verifier = createVerifier({ issuer: gitlab.issuer, audience: AUDIENCE, policy: policy() })
    const result = await verifier.verify(mint(WIDGET, 'review/a-b-c-d-e'))
    expect(result.rules).toEqual(['review'])
    expect(result.grants).toEqual(['review'])
  })
})

describe('policy DoS: an outsider does no matcher work beyond the pin', () => {
  let calls: Record<string, number>
  const counted =
    (name: string, answer: (value: unknown, claims: GitlabIdTokenClaims) => boolean) =>
    (value: unknown, claims: GitlabIdTokenClaims): boolean => {
      calls[name] = (calls[name] ?? 0) + 1
      return answer(value, claims)
    }

  function verifierWithCounters(): Verifier {
    calls = {}
    return createVerifier({
      issuer: gitlab.issuer,
      audience: AUDIENCE,
      cache: false,
      policy: {
        allow: [
          {
            name: 'review',
            // Written before the pin on purpose: entries run pins first whatever the order.
            match: {
              environment: counted('allow.environment', (v) => String(v).startsWith('review/')),
              ref: counted('allow.ref', () => true),
              project_id: widgetId,
            },
            grants: ['review'],
          },
          {
            name: 'acme-group',
            match: {
              ref: counted('allow2.ref', () => false),
              namespace_path: ['acme', { glob: 'acme/**' }],
            },
          },
        ],
        deny: [
          { name: 'deny-fn', match: { environment: counted('deny.environment', () => false) } },
        ],
      },
    })
  }

  it('an outsider token → ERR_POLICY_DENIED 403 with zero function-matcher calls (allow, deny, reasons)', async () => {
    const verifier = verifierWithCounters()
    const error = await refusal(verifier, mint('mallory/widget', CRAFTED))
    expect(error.code).toBe('ERR_POLICY_DENIED')
    expect(error.status).toBe(403)
    expect(error.headers).toEqual({ 'WWW-Authenticate': CHALLENGE })
    expect(calls).toEqual({})
    const details = error.details as {
      deniedBy?: string
      reasons: { rule: string; grants: string[]; failures: { claim: string }[] }[]
    }
    expect(details.deniedBy).toBeUndefined()
    expect(details.reasons.map((r) => [r.rule, r.grants, r.failures.map((f) => f.claim)])).toEqual([
      ['review', ['review'], ['project_id']],
      ['acme-group', [], ['namespace_path']],
    ])
  })

  it('the tenant token → accepted; each of its rule functions and the deny function runs once', async () => {
    const verifier = verifierWithCounters()
    const result = await verifier.verify(mint(WIDGET, 'review/x'))
    expect(result.rules).toEqual(['review'])
    // `acme-group` pins the acme group too, so its function sees acme's own token: documented.
    expect(calls).toEqual({
      'allow.environment': 1,
      'allow.ref': 1,
      'allow2.ref': 1,
      'deny.environment': 1,
    })
  })
})
