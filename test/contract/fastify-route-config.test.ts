/**
 * Fastify fails closed on route configuration (issue: a declared grant requirement outside the
 * plugin's encapsulation scope was served with no token, and a misspelt route config was
 * silently ignored). Real Fastify apps, really signed tokens, answers through `inject()`.
 */

import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { requireGrants, verifyGitlabIdToken } from '@gitlab-id-token/fastify'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

const AUDIENCE = 'https://deploy.example.com'
const policy = {
  allow: [{ name: 'widget', match: { project_path: 'acme/widget' }, grants: ['deploy'] }],
}

let gitlab: MockGitlab
const apps: FastifyInstance[] = []

beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close()
})
afterAll(() => gitlab.close())

const token = () => gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget' })
const bearer = (value: string) => ({ authorization: `Bearer ${value}` })

describe('Fastify route config fails closed', () => {
  it('a route requiring grants outside the plugin scope answers 500, never its handler', async () => {
    const app = Fastify()
    apps.push(app)
    // The plugin runs in one child scope only; both routes below are declared outside it.
    await app.register(async (api) => {
      await api.register(verifyGitlabIdToken, { audience: AUDIENCE, issuer: gitlab.issuer, policy })
      api.get(
        '/api/deploy',
        { config: { gitlabIdToken: { requireGrants: ['deploy'] } } },
        () => 'ok',
      )
    })
    app.get('/deploy', { config: { gitlabIdToken: { requireGrants: ['deploy'] } } }, () => 'served')
    app.get('/hooked', { onRequest: requireGrants('deploy') }, () => 'served')
    for (const url of ['/deploy', '/hooked']) {
      for (const headers of [{}, bearer(token())]) {
        const res = await app.inject({ url, headers })
        expect({ url, status: res.statusCode, code: res.json().code }).toEqual({
          url,
          status: 500,
          code: 'ERR_INVALID_CONFIG',
        })
        expect(res.body).not.toContain('served')
      }
    }
    expect((await app.inject({ url: '/api/deploy', headers: bearer(token()) })).body).toBe('ok')
    expect((await app.inject({ url: '/api/deploy' })).statusCode).toBe(401)
  })

  it('a sibling scope is outside too', async () => {
    const app = Fastify()
    apps.push(app)
    await app.register(async (api) => {
      await api.register(verifyGitlabIdToken, { audience: AUDIENCE, issuer: gitlab.issuer, policy })
    })
    await app.register(async (other) => {
      other.get('/x', { config: { gitlabIdToken: { requireGrants: ['deploy'] } } }, () => 'served')
    })
    const res = await app.inject({ url: '/x', headers: bearer(token()) })
    expect({ status: res.statusCode, code: res.json().code }).toEqual({
      status: 500,
      code: 'ERR_INVALID_CONFIG',
    })
  })

  it.each([
    ['a misspelt key', { requireGrant: ['deploy'] }, /GET \/typo: .*unknown key "requireGrant"/],
    ['true', true, /GET \/typo: .*must be false or \{ requireGrants/],
    ['a string', 'deploy', /GET \/typo: .*must be false or/],
    ['grants as a string', { requireGrants: 'deploy' }, /GET \/typo: .*array/],
    [
      'a number among the grants',
      { requireGrants: ['deploy', 1] },
      /GET \/typo: .*non-empty strings/,
    ],
  ])(
    'route config with %s is a startup error naming the route, in any scope',
    (_name, config, message) => {
      const app = Fastify()
      apps.push(app)
      const declare = () =>
        app.get('/typo', { config: { gitlabIdToken: config as never } }, async () => 'x')
      // No plugin registered at all: the route is still checked when declared.
      expect(declare).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_CONFIG',
          message: expect.stringMatching(message),
        }),
      )
    },
  )
})
