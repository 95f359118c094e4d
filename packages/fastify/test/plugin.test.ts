/**
 * Fastify-specific behaviour. The shared behaviour (every status and code) is in the adapter
 * contract: test/adapters.test.ts.
 */

import type { Policy } from '@gitlab-id-token/core'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { gitlabIdTokenErrorHandler, requireGrants, verifyGitlabIdToken } from '../src/index.js'

const AUDIENCE = 'https://deploy.example.com'
const policy: Policy = {
  allow: [{ name: 'widget', match: { project_path: 'acme/widget' }, grants: ['deploy'] }],
}

let gitlab: MockGitlab
const apps: FastifyInstance[] = []

beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterEach(async () => {
  vi.unstubAllEnvs()
  for (const app of apps.splice(0)) await app.close()
})
afterAll(async () => {
  await gitlab.close()
})

const token = (claims: Record<string, unknown> = {}) =>
  gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget', ...claims })
const bearer = (value: string) => ({ authorization: `Bearer ${value}` })

async function build(
  options?: Parameters<typeof verifyGitlabIdToken>[1],
): Promise<FastifyInstance> {
  const app = Fastify()
  apps.push(app)
  await app.register(
    verifyGitlabIdToken,
    options ?? { audience: AUDIENCE, issuer: gitlab.issuer, policy },
  )
  app.get('/', async (request) => ({
    project: request.gitlabIdToken?.claims.project_path ?? null,
    grants: request.gitlabIdToken?.grants ?? null,
  }))
  app.get('/healthz', { config: { gitlabIdToken: false } }, async (request) => ({
    token: request.gitlabIdToken,
  }))
  app.get('/deploy', { config: { gitlabIdToken: { requireGrants: ['deploy'] } } }, async () => 'ok')
  app.get('/admin', { config: { gitlabIdToken: { requireGrants: ['admin'] } } }, async () => 'ok')
  return app
}

describe('verifyGitlabIdToken (Fastify plugin)', () => {
  it("Fastify's default error handler answers with the error's status, headers and code", async () => {
    const app = await build()
    const res = await app.inject({ url: '/' })
    expect({ status: res.statusCode, challenge: res.headers['www-authenticate'] }).toEqual({
      status: 401,
      challenge: 'Bearer realm="gitlab-id-token"',
    })
    expect(res.json()).toMatchObject({ statusCode: 401, code: 'ERR_TOKEN_MISSING' })
  })

  it('per-route config: false skips verification; requireGrants narrows it', async () => {
    const app = await build()
    const health = await app.inject({ url: '/healthz' })
    expect({ status: health.statusCode, body: health.json() }).toEqual({
      status: 200,
      body: { token: null },
    })
    expect((await app.inject({ url: '/deploy', headers: bearer(token()) })).statusCode).toBe(200)
    const admin = await app.inject({ url: '/admin', headers: bearer(token()) })
    expect({ status: admin.statusCode, code: admin.json().code }).toEqual({
      status: 403,
      code: 'ERR_INSUFFICIENT_SCOPE',
    })
    const ok = await app.inject({ url: '/', headers: bearer(token()) })
    expect(ok.json()).toEqual({ project: 'acme/widget', grants: ['deploy'] })
  })

  it('covers routes outside the registering scope (fastify-plugin), and unknown routes', async () => {
    const app = Fastify()
    apps.push(app)
    await app.register(verifyGitlabIdToken, { audience: AUDIENCE, issuer: gitlab.issuer, policy })
    await app.register(async (child) => {
      child.get('/child', async (request) => request.gitlabIdToken?.claims.project_path)
    })
    expect((await app.inject({ url: '/child' })).statusCode).toBe(401)
    expect((await app.inject({ url: '/child', headers: bearer(token()) })).body).toBe('acme/widget')
    // An unknown route does not reveal that it does not exist to a caller without a token.
    expect((await app.inject({ url: '/nope' })).statusCode).toBe(401)
    expect((await app.inject({ url: '/nope', headers: bearer(token()) })).statusCode).toBe(404)
  })

  it('an empty requireGrants list fails when the route is declared', async () => {
    const app = Fastify()
    apps.push(app)
    await app.register(verifyGitlabIdToken, { audience: AUDIENCE, issuer: gitlab.issuer, policy })
    expect(() =>
      app.get('/x', { config: { gitlabIdToken: { requireGrants: [] } } }, async () => 'x'),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }))
  })

  it('with no options, reads GITLAB_ID_TOKEN_* during register; a missing one rejects it', async () => {
    vi.stubEnv('GITLAB_ID_TOKEN_AUDIENCE', AUDIENCE)
    vi.stubEnv('GITLAB_ID_TOKEN_ISSUER', gitlab.issuer)
    vi.stubEnv('GITLAB_ID_TOKEN_POLICY', JSON.stringify(policy))
    const app = Fastify()
    apps.push(app)
    await app.register(verifyGitlabIdToken)
    app.get('/', async (request) => request.gitlabIdToken?.rules)
    expect((await app.inject({ url: '/', headers: bearer(token()) })).json()).toEqual(['widget'])

    vi.stubEnv('GITLAB_ID_TOKEN_POLICY', '')
    const broken = Fastify()
    apps.push(broken)
    await expect(broken.register(verifyGitlabIdToken)).rejects.toMatchObject({
      code: 'ERR_INVALID_CONFIG',
      message: expect.stringContaining('GITLAB_ID_TOKEN_POLICY'),
    })
  })

  it('requireGrants() is the route-hook form of config.requireGrants', async () => {
    const app = await build()
    app.get('/hook/deploy', { onRequest: requireGrants('deploy') }, async () => 'ok')
    app.get('/hook/admin', { onRequest: [requireGrants('deploy', 'admin')] }, async () => 'ok')
    expect((await app.inject({ url: '/hook/deploy', headers: bearer(token()) })).body).toBe('ok')
    const admin = await app.inject({ url: '/hook/admin', headers: bearer(token()) })
    expect({ status: admin.statusCode, code: admin.json().code }).toEqual({
      status: 403,
      code: 'ERR_INSUFFICIENT_SCOPE',
    })
    expect((await app.inject({ url: '/hook/deploy' })).statusCode).toBe(401)
    expect(() => requireGrants()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }))
  })

  it("request_id is Fastify's request.id; gitlabIdTokenErrorHandler() answers with toJSON()", async () => {
    const app = Fastify({ genReqId: () => 'job-log-7' })
    apps.push(app)
    const seen: unknown[] = []
    await app.register(verifyGitlabIdToken, {
      audience: AUDIENCE,
      issuer: gitlab.issuer,
      policy,
      onDecision: (event, request) => seen.push([event.requestId, request]),
    })
    app.setErrorHandler(gitlabIdTokenErrorHandler())
    app.get('/', async (request) => request.gitlabIdToken?.requestId)
    const missing = await app.inject({ url: '/' })
    expect({ status: missing.statusCode, body: missing.json() }).toEqual({
      status: 401,
      body: {
        error: 'unauthorized',
        error_description: 'bearer token required',
        code: 'ERR_TOKEN_MISSING',
        request_id: 'job-log-7',
      },
    })
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="gitlab-id-token"')
    const denied = await app.inject({ url: '/', headers: bearer(token({ project_path: 'x/y' })) })
    expect(denied.json()).toMatchObject({ code: 'ERR_POLICY_DENIED', request_id: 'job-log-7' })
    expect((await app.inject({ url: '/', headers: bearer(token()) })).body).toBe('job-log-7')
    expect(seen).toHaveLength(2)
    expect(seen[0]).toEqual(['job-log-7', expect.objectContaining({ id: 'job-log-7' })])
  })

  it('optional: a request without a credential reaches the handler with null', async () => {
    const app = await build({ audience: AUDIENCE, issuer: gitlab.issuer, policy, optional: true })
    expect((await app.inject({ url: '/' })).json()).toEqual({ project: null, grants: null })
    expect((await app.inject({ url: '/', headers: bearer('x.y.z') })).statusCode).toBe(401)
    const deploy = await app.inject({ url: '/deploy' })
    expect({ status: deploy.statusCode, code: deploy.json().code }).toEqual({
      status: 401,
      code: 'ERR_TOKEN_MISSING',
    })
  })

  it('getToken reads the token from elsewhere', async () => {
    const app = await build({
      audience: AUDIENCE,
      issuer: gitlab.issuer,
      policy,
      getToken: (request) => {
        const value = request.headers['x-gitlab-id-token']
        return typeof value === 'string' ? value : undefined
      },
    })
    expect(
      (await app.inject({ url: '/', headers: { 'x-gitlab-id-token': token() } })).statusCode,
    ).toBe(200)
    expect((await app.inject({ url: '/', headers: bearer(token()) })).statusCode).toBe(401)
  })
})
