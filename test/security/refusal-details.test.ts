/**
 * Issue 9, "Done when": every refusal code's `details` shape, typed through
 * `isGitlabIdTokenError(err, code)` and asserted whole, from genuine tokens of the mock issuer;
 * and neither `toJSON()`, `message` nor `headers` contains a claim value, an issuer, a rule name
 * or the token. The case table `satisfies Record<keyof ErrorDetailsMap, …>`, so a code added to
 * the map without a case here fails the typecheck.
 */

import {
  createMemoryReplayStore,
  createVerifier,
  isGitlabIdTokenError,
  type DetailsOf,
  type ErrorDetailsMap,
  type GitlabIdTokenError,
  type VerifierOptions,
} from '@gitlab-id-token/core'
import { grantCheck } from '@gitlab-id-token/core/adapter'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { flipBit } from './support/forge.js'

const AUDIENCE = 'https://details.example.com'
const PROJECT = 'acme/widget'
const JOB = '8880001112'
const policy = {
  allow: [
    { name: 'widget-read', match: { project_path: PROJECT }, grants: ['read'] },
    { name: 'widget-admin', match: { project_path: PROJECT, ref: 'admin' }, grants: ['admin'] },
  ],
  deny: [{ name: 'no-merge-requests', match: { pipeline_source: 'merge_request_event' } }],
}

let gitlab: MockGitlab
let down: MockGitlab
beforeAll(async () => {
  ;[gitlab, down] = await Promise.all([createMockGitlab(), createMockGitlab()])
  down.setKeySetResponse('error')
})
afterAll(() => Promise.all([gitlab.close(), down.close()]))

const nowS = () => Math.floor(Date.now() / 1000)
const mint = (
  claims: Record<string, unknown> = {},
  options: Parameters<MockGitlab['mint']>[1] = {},
) => gitlab.mint({ aud: AUDIENCE, project_path: PROJECT, job_id: JOB, ...claims }, options)
const verifier = (extra: Partial<VerifierOptions> = {}) =>
  createVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy, ...extra })

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    () => expect.unreachable('expected a refusal'),
    (error: unknown) => error,
  )
}

interface Case {
  readonly status: number
  /** What may not reach the client, next to the token itself. */
  readonly secrets: () => readonly string[]
  readonly refuse: () => Promise<{ error: unknown; token: string }>
  readonly details: () => unknown
}

const verified = { verified: true, job_id: JOB, project_path: PROJECT }
const unverified = { verified: false, job_id: JOB, project_path: PROJECT }
const identity = (shape: object) => expect.objectContaining(shape)
const via = (token: string, extra?: Partial<VerifierOptions>) => async () => ({
  token,
  error: await caught(() => verifier(extra).verify(token)),
})
const lazy = (make: () => Promise<{ error: unknown; token: string }>) => make

const CASES = {
  ERR_TOKEN_MALFORMED: {
    status: 401,
    secrets: () => [],
    refuse: () => via('eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln')(),
    details: () => ({
      part: 'payload',
      reason: 'payload is not JSON',
      identity: { verified: false },
    }),
  },
  ERR_ISSUER_UNTRUSTED: {
    status: 401,
    secrets: () => ['gitlab.example.com', gitlab.issuer, JOB, PROJECT],
    refuse: () => via(mint({ iss: 'https://gitlab.example.com/' }))(),
    details: () => ({
      received: 'https://gitlab.example.com/',
      trusted: [gitlab.issuer],
      identity: identity(unverified),
    }),
  },
  ERR_AUDIENCE_MISMATCH: {
    status: 401,
    secrets: () => ['elsewhere.example', 'details.example.com', JOB, PROJECT],
    refuse: () => via(mint({ aud: 'https://elsewhere.example' }))(),
    details: () => ({
      received: 'https://elsewhere.example',
      accepted: [AUDIENCE],
      identity: identity(verified),
    }),
  },
  ERR_TOKEN_EXPIRED: {
    status: 401,
    secrets: () => [JOB, PROJECT],
    refuse: () => via(mint({ iat: nowS() - 7200, nbf: nowS() - 7205, exp: nowS() - 3600 }))(),
    details: () => ({
      claim: 'exp',
      value: expect.any(Number),
      now: expect.any(Number),
      clockTolerance: 30,
      identity: identity(verified),
    }),
  },
  ERR_TOKEN_NOT_YET_VALID: {
    status: 401,
    secrets: () => [JOB, PROJECT],
    refuse: () => via(mint({ nbf: nowS() + 3600, exp: nowS() + 7200 }))(),
    details: () => ({
      claim: 'nbf',
      value: expect.any(Number),
      now: expect.any(Number),
      clockTolerance: 30,
      identity: identity(verified),
    }),
  },
  ERR_TOKEN_TOO_OLD: {
    status: 401,
    secrets: () => [JOB, PROJECT],
    refuse: () => via(mint({ iat: nowS() - 600, nbf: nowS() - 605 }), { maxTokenAge: 60 })(),
    details: () => ({
      claim: 'iat',
      value: expect.any(Number),
      now: expect.any(Number),
      clockTolerance: 30,
      maxTokenAge: 60,
      identity: identity(verified),
    }),
  },
  ERR_KEY_NOT_FOUND: {
    status: 401,
    secrets: () => [gitlab.issuer, JOB, PROJECT, 'no-such-kid'],
    refuse: () => via(mint({}, { header: { kid: 'no-such-kid' } }))(),
    details: () => ({
      kid: 'no-such-kid',
      // The key set GitLab serves: the CI key and the user-login (OIDC) key.
      knownKids: expect.toSatisfy(
        (kids: string[]) =>
          [...kids].sort().join() === [gitlab.ciKey.kid, gitlab.userKey.kid].sort().join(),
      ),
      issuer: gitlab.issuer,
      identity: identity(unverified),
    }),
  },
  ERR_ALGORITHM_NOT_ALLOWED: {
    status: 401,
    secrets: () => ['PS256', JOB, PROJECT],
    refuse: () => via(mint({}, { header: { alg: 'PS256' } }))(),
    details: () => ({ received: 'PS256', allowed: ['RS256'], identity: identity(unverified) }),
  },
  ERR_JWKS_UNAVAILABLE: {
    status: 503,
    secrets: () => [down.issuer, down.jwksUri, JOB, PROJECT],
    refuse: lazy(async () => {
      const token = down.mint({ aud: AUDIENCE, project_path: PROJECT, job_id: JOB })
      const error = await caught(() =>
        createVerifier({ audience: AUDIENCE, issuer: down.issuer, policy }).verify(token),
      )
      return { token, error }
    }),
    details: () => ({
      issuer: down.issuer,
      url: down.jwksUri,
      status: 500,
      reason: expect.stringContaining('500'),
      identity: identity(unverified),
    }),
  },
  ERR_REPLAY_UNAVAILABLE: {
    status: 503,
    secrets: () => ['ECONNREFUSED', JOB, PROJECT],
    refuse: () =>
      via(mint(), {
        replay: { store: { remember: () => Promise.reject(new Error('connect ECONNREFUSED')) } },
      })(),
    details: () => ({ reason: 'error', identity: identity(verified) }),
  },
  ERR_POLICY_DENIED: {
    status: 403,
    secrets: () => ['no-merge-requests', 'widget-read', 'widget-admin', JOB, PROJECT],
    refuse: () => via(mint({ pipeline_source: 'merge_request_event' }))(),
    details: () => ({
      deniedBy: 'no-merge-requests',
      reasons: [
        {
          rule: 'widget-admin',
          grants: ['admin'],
          failures: [{ claim: 'ref', expected: expect.any(String), actual: 'main' }],
        },
      ],
      identity: identity(verified),
    }),
  },
  ERR_INSUFFICIENT_SCOPE: {
    status: 403,
    secrets: () => ['widget-read', 'widget-admin', 'admin', JOB, PROJECT],
    refuse: lazy(async () => {
      const token = mint()
      const result = await verifier().verify(token)
      let error: unknown
      try {
        grantCheck(['admin'])(result)
      } catch (thrown) {
        error = thrown
      }
      return { token, error }
    }),
    details: () => ({
      required: ['admin'],
      missing: ['admin'],
      rules: ['widget-read'],
      candidates: [
        {
          rule: 'widget-admin',
          grants: ['admin'],
          failures: [{ claim: 'ref', expected: expect.any(String), actual: 'main' }],
        },
      ],
      identity: identity(verified),
    }),
  },
  ERR_SIGNATURE_INVALID: {
    status: 401,
    secrets: () => [JOB, PROJECT],
    refuse: () => via(flipBit(mint(), 2, 9))(),
    details: () => ({ identity: identity(unverified) }),
  },
  ERR_NOT_A_CI_TOKEN: {
    status: 401,
    secrets: () => ['alice', JOB],
    refuse: () => via(mint({ sub: 'user:alice', secrets_manager_scope: 'pipeline' }))(),
    details: () => ({
      // `sub: user:<name>` names no project, so the project-naming `sub` is missing evidence.
      missing: ['sub'],
      unexpected: ['secrets_manager_scope'],
      identity: identity({ verified: true, sub: 'user:alice' }),
    }),
  },
  ERR_TOKEN_REPLAYED: {
    status: 401,
    secrets: () => [JOB, PROJECT],
    refuse: lazy(async () => {
      const token = mint()
      const once = verifier({ replay: { store: createMemoryReplayStore() } })
      await once.verify(token)
      return { token, error: await caught(() => once.verify(token)) }
    }),
    details: () => ({ identity: identity(verified) }),
  },
} satisfies Record<keyof ErrorDetailsMap, Case>

describe('every refusal code: typed details, asserted whole, nothing of them on the wire', () => {
  for (const [code, c] of Object.entries(CASES) as [keyof ErrorDetailsMap, Case][]) {
    it(`${code} ${c.status}: details shape, and no claim value, issuer, rule name or token in message, headers or toJSON()`, async () => {
      const { error, token } = await c.refuse()
      if (!isGitlabIdTokenError(error, code))
        throw new Error(`expected ${code}, got ${String(error)}`)
      expectTypeOf(error.details).toEqualTypeOf<DetailsOf<typeof code> | undefined>()
      expect(error.status).toBe(c.status)
      expect(error.details).toEqual(c.details())
      const visible = [error.message, JSON.stringify(error.headers), JSON.stringify(error.toJSON())]
      for (const text of visible) {
        expect(text).not.toContain(token)
        for (const secret of c.secrets()) expect(text, secret).not.toContain(secret)
      }
      expect(Object.keys(error.toJSON()).sort()).toEqual(
        error.requestId === undefined
          ? ['code', 'error', 'error_description']
          : ['code', 'error', 'error_description', 'request_id'],
      )
    })
  }

  it('narrows details per code, so no caller casts', () => {
    const error = {} as GitlabIdTokenError<'ERR_AUDIENCE_MISMATCH'>
    expectTypeOf(error.details).toEqualTypeOf<
      ErrorDetailsMap['ERR_AUDIENCE_MISMATCH'] | undefined
    >()
    expectTypeOf<DetailsOf<'ERR_TOKEN_EXPIRED'>['claim']>().toEqualTypeOf<'exp' | 'nbf' | 'iat'>()
    expectTypeOf<DetailsOf<'ERR_INVALID_CONFIG'>>().toBeUnknown()
  })
})
