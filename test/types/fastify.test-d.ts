import type { GitlabIdTokenClaims, VerifyResult } from '@gitlab-id-token/core'
import { verifyGitlabIdToken } from '@gitlab-id-token/fastify'
import Fastify, { type FastifyPluginAsync, type FastifyRequest } from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import type { VerifyGitlabIdTokenOptions } from '@gitlab-id-token/fastify'

describe('@gitlab-id-token/fastify types', () => {
  it('merges request.gitlabIdToken into FastifyRequest once imported', () => {
    expectTypeOf<FastifyRequest['gitlabIdToken']>().toEqualTypeOf<VerifyResult | null>()
    const app = Fastify()
    app.get('/', (request) => {
      expectTypeOf(request.gitlabIdToken).toEqualTypeOf<VerifyResult | null>()
      expectTypeOf(request.gitlabIdToken?.claims).toEqualTypeOf<GitlabIdTokenClaims | undefined>()
      expectTypeOf(request.gitlabIdToken!.claims.project_path).toEqualTypeOf<string>()
      return 'ok'
    })
  })

  it('types the per-route config', () => {
    const app = Fastify()
    app.get('/healthz', { config: { gitlabIdToken: false } }, () => 'ok')
    app.get('/deploy', { config: { gitlabIdToken: { requireGrants: ['deploy'] } } }, () => 'ok')
    // @ts-expect-error: grants are strings
    app.get('/y', { config: { gitlabIdToken: { requireGrants: [1] } } }, () => 'ok')
  })

  it('is an explicitly typed FastifyPluginAsync that register() accepts', async () => {
    expectTypeOf(verifyGitlabIdToken).toEqualTypeOf<
      FastifyPluginAsync<VerifyGitlabIdTokenOptions>
    >()
    const app = Fastify()
    await app.register(verifyGitlabIdToken)
    await app.register(verifyGitlabIdToken, {
      audience: 'https://deploy.example.com',
      policy: { allow: [{ match: { project_id: '42' } }] },
    })
    await app.register(verifyGitlabIdToken, {
      getToken: (request) => request.headers['x-token'] as string,
    })
  })
})
