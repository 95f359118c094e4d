import type { GitlabIdTokenClaims, VerifyResult } from '@gitlab-id-token/core'
import { requireGrants, verifyGitlabIdToken, type GitlabIdTokenState } from '@gitlab-id-token/koa'
import Koa, { type Middleware, type ParameterizedContext } from 'koa'
import { describe, expectTypeOf, it } from 'vitest'

describe('@gitlab-id-token/koa types', () => {
  it('types ctx.state.gitlabIdToken on an app chained after the middleware', () => {
    const app = new Koa().use(verifyGitlabIdToken())
    app.use((ctx) => {
      expectTypeOf(ctx.state.gitlabIdToken).toEqualTypeOf<VerifyResult>()
      expectTypeOf(ctx.state.gitlabIdToken.claims).toEqualTypeOf<GitlabIdTokenClaims>()
      expectTypeOf(ctx.state.gitlabIdToken.claims.project_id).toEqualTypeOf<string>()
    })
  })

  it('types ctx.state.gitlabIdToken in middleware typed with GitlabIdTokenState', () => {
    const handler: Middleware<GitlabIdTokenState> = (ctx) => {
      expectTypeOf(ctx.state.gitlabIdToken).toEqualTypeOf<VerifyResult>()
    }
    expectTypeOf(handler).toBeFunction()
    expectTypeOf<
      ParameterizedContext<GitlabIdTokenState>['state']['gitlabIdToken']
    >().toEqualTypeOf<VerifyResult>()
  })

  it('returns Middleware<GitlabIdTokenState>', () => {
    expectTypeOf(verifyGitlabIdToken).returns.toEqualTypeOf<Middleware<GitlabIdTokenState>>()
    expectTypeOf(requireGrants).returns.toEqualTypeOf<Middleware<GitlabIdTokenState>>()
    expectTypeOf(verifyGitlabIdToken).toBeCallableWith({ getToken: (ctx) => ctx.get('x-token') })
  })
})
