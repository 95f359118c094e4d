import { createVerifier, type VerifyResult } from '@gitlab-id-token/core'
import type { AdapterOptions } from '@gitlab-id-token/core/adapter'
import * as expressAdapter from '@gitlab-id-token/express'
import * as fastifyAdapter from '@gitlab-id-token/fastify'
import * as koaAdapter from '@gitlab-id-token/koa'
import type { Request } from 'express'
import type { onRequestHookHandler } from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'

const policy = { allow: [{ match: { project_id: '42' } }] }
const verifier = createVerifier({ audience: 'https://deploy.example.com', policy })

describe('adapter options (all three adapters share AdapterOptions)', () => {
  it('accepts verifier options, a shared verifier, or adapter options alone', () => {
    expectTypeOf(expressAdapter.verifyGitlabIdToken).toBeCallableWith({ optional: true })
    expectTypeOf(koaAdapter.verifyGitlabIdToken).toBeCallableWith({ verifier, optional: true })
    expectTypeOf(expressAdapter.verifyGitlabIdToken).toBeCallableWith({
      requireGatewayAssertion: { jwksUri: 'https://gw.example.com/jwks.json', issuer: 'gw' },
    })
    expectTypeOf<{ audience: string; policy: typeof policy; optional: true }>().toExtend<
      AdapterOptions<unknown>
    >()
  })

  it('refuses verifier options without audience, and a verifier with verifier options', () => {
    // @ts-expect-error: a policy without an audience would silently read the environment
    expressAdapter.verifyGitlabIdToken({ policy })
    // @ts-expect-error: the same in Koa
    koaAdapter.verifyGitlabIdToken({ maxTokenAge: 600 })
    // @ts-expect-error: a shared verifier keeps its own options
    expressAdapter.verifyGitlabIdToken({ verifier, maxTokenAge: 600 })
  })

  it('offers requireGrants and gitlabIdTokenErrorHandler in every adapter', () => {
    expectTypeOf(fastifyAdapter.requireGrants).returns.toEqualTypeOf<onRequestHookHandler>()
    expectTypeOf(fastifyAdapter.requireGrants).parameters.toEqualTypeOf<string[]>()
    expectTypeOf(expressAdapter.gitlabIdTokenErrorHandler).toBeFunction()
    expectTypeOf(fastifyAdapter.gitlabIdTokenErrorHandler).toBeFunction()
    expectTypeOf(koaAdapter.gitlabIdTokenErrorHandler).toBeFunction()
  })

  it('types the request properties of both modes', () => {
    expectTypeOf<Request['gitlabIdToken']>().toEqualTypeOf<VerifyResult | undefined>()
    expectTypeOf<Request['gitlabGatewayAssertion']>().toMatchTypeOf<
      { route: string; grants: readonly string[] } | undefined
    >()
  })
})
