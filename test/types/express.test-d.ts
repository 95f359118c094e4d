import type { GitlabIdTokenClaims, VerifyResult } from '@gitlab-id-token/core'
import { requireGrants, verifyGitlabIdToken } from '@gitlab-id-token/express'
import express, { type Request, type RequestHandler } from 'express'
import { describe, expectTypeOf, it } from 'vitest'

describe('@gitlab-id-token/express types', () => {
  it('merges req.gitlabIdToken into every Express request once imported', () => {
    expectTypeOf<Request['gitlabIdToken']>().toEqualTypeOf<VerifyResult | undefined>()
    const app = express()
    app.post('/deploy/:environment', (req, res) => {
      expectTypeOf(req.gitlabIdToken).toEqualTypeOf<VerifyResult | undefined>()
      expectTypeOf(req.gitlabIdToken?.claims).toEqualTypeOf<GitlabIdTokenClaims | undefined>()
      expectTypeOf(req.gitlabIdToken!.claims.project_id).toEqualTypeOf<string>()
      expectTypeOf(req.gitlabIdToken!.claims.ref_protected).toEqualTypeOf<'true' | 'false' | ''>()
      expectTypeOf(req.gitlabIdToken!.grants).toEqualTypeOf<readonly string[]>()
      res.end()
    })
  })

  it('returns plain RequestHandlers', () => {
    expectTypeOf(verifyGitlabIdToken).returns.toEqualTypeOf<RequestHandler>()
    expectTypeOf(requireGrants).returns.toEqualTypeOf<RequestHandler>()
    expectTypeOf(requireGrants).parameters.toEqualTypeOf<string[]>()
  })

  it('accepts verifier options, a shared verifier, env (nothing) and getToken', () => {
    expectTypeOf(verifyGitlabIdToken).toBeCallableWith()
    expectTypeOf(verifyGitlabIdToken).toBeCallableWith({
      audience: 'https://deploy.example.com',
      policy: { allow: [{ match: { project_id: '42' } }] },
    })
    expectTypeOf(verifyGitlabIdToken).toBeCallableWith({
      verifier: { verify: async () => ({}) as VerifyResult },
    })
    expectTypeOf(verifyGitlabIdToken).toBeCallableWith({
      getToken: (req: Request) => req.get('x-gitlab-id-token'),
    })
    // @ts-expect-error: audience without a policy is not VerifierOptions
    verifyGitlabIdToken({ audience: 'https://deploy.example.com' })
  })
})
