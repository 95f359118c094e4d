/**
 * `requireGatewayAssertion`: behind `@gitlab-id-token/gateway`, each adapter checks the gateway's
 * signed assertion instead of the CI token, so a request that bypassed the gateway is refused.
 * Assertions are really signed (Ed25519, the gateway's format); servers are real, on loopback.
 */

import { createHash, generateKeyPairSync, sign } from 'node:crypto'
import { createServer } from 'node:http'
import {
  GATEWAY_ASSERTION_TYPE,
  isGitlabIdTokenError,
  type JsonWebKeySet,
} from '@gitlab-id-token/core'
import * as expressAdapter from '@gitlab-id-token/express'
import * as fastifyAdapter from '@gitlab-id-token/fastify'
import * as koaAdapter from '@gitlab-id-token/koa'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import express, { type ErrorRequestHandler } from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, send } from './http.js'

const ISSUER = 'gitlab-id-token-gateway'
const AUDIENCE = 'https://deploy.example.com'

interface Signer {
  readonly jwks: JsonWebKeySet
  sign(payload: Record<string, unknown>, header?: Record<string, unknown>): string
}

function signer(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const { x } = publicKey.export({ format: 'jwk' }) as { x: string }
  const kid = createHash('sha256')
    .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x }))
    .digest('base64url')
  const b64 = (value: object | Buffer): string =>
    (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url')
  return {
    jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' }] },
    sign(payload, header = {}) {
      const input = `${b64({ alg: 'EdDSA', typ: GATEWAY_ASSERTION_TYPE, kid, ...header })}.${b64(payload)}`
      return `${input}.${b64(sign(null, Buffer.from(input), privateKey))}`
    },
  }
}

const gateway = signer()
const impostor = signer()

function assertion(key: Signer, overrides: Record<string, unknown> = {}): string {
  const iat = Math.floor(Date.now() / 1000)
  return key.sign({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'project_path:acme/widget:ref_type:branch:ref:main',
    route: 'deploy',
    grants: ['read'],
    claims: { project_id: '42', ref: 'main' },
    iat,
    exp: iat + 30,
    jti: 'h4sh-of-the-jti',
    ...overrides,
  })
}

const options = {
  requireGatewayAssertion: { jwks: gateway.jwks, issuer: ISSUER, audience: AUDIENCE },
}

function render(error: unknown): { status: number; headers: Record<string, string>; body: object } {
  if (!isGitlabIdTokenError(error))
    return { status: 500, headers: {}, body: { code: 'UNEXPECTED' } }
  return { status: error.status, headers: { ...error.headers }, body: error.toJSON() }
}

type App = { url: string; close(): Promise<void> }

const apps: Record<string, () => Promise<App>> = {
  Express: async () => {
    const app = express()
    app.use(expressAdapter.verifyGitlabIdToken(options))
    app.get('/whoami', (req, res) => {
      res.json(req.gitlabGatewayAssertion ?? null)
    })
    app.get('/admin', expressAdapter.requireGrants('admin'), (_req, res) => {
      res.end('admin')
    })
    app.use(((error, _req, res, _next) => {
      const { status, headers, body } = render(error)
      res.status(status).set(headers).json(body)
    }) as ErrorRequestHandler)
    return listen(createServer(app))
  },
  Fastify: async () => {
    const app = Fastify()
    await app.register(fastifyAdapter.verifyGitlabIdToken, options)
    app.setErrorHandler(async (error, _request, reply) => {
      const { status, headers, body } = render(error)
      return reply.code(status).headers(headers).send(body)
    })
    app.get('/whoami', async (request) => request.gitlabGatewayAssertion)
    app.get('/admin', { onRequest: fastifyAdapter.requireGrants('admin') }, async () => 'admin')
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as { port: number }
    return { url: `http://127.0.0.1:${port}`, close: () => app.close() }
  },
  Koa: async () => {
    const app = new Koa()
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (error) {
        const { status, headers, body } = render(error)
        ctx.status = status
        ctx.set(headers)
        ctx.body = body
      }
    })
    app.use(koaAdapter.verifyGitlabIdToken(options))
    app.use(async (ctx, next) => {
      const state = ctx.state as Partial<koaAdapter.GitlabGatewayAssertionState>
      if (ctx.path === '/whoami') ctx.body = state.gitlabGatewayAssertion ?? null
      else await next()
    })
    app.use(koaAdapter.requireGrants('admin')).use((ctx) => {
      ctx.body = 'admin'
    })
    const handle = app.callback()
    return listen(createServer((req, res) => void handle(req, res)))
  },
}

describe.each(Object.keys(apps))('%s with requireGatewayAssertion', (name) => {
  let app: App
  let gitlab: MockGitlab
  beforeAll(async () => {
    gitlab = await createMockGitlab()
    app = await (apps[name] as () => Promise<App>)()
  })
  afterAll(async () => {
    await app.close()
    await gitlab.close()
  })

  const get = (path: string, headers: Record<string, string> = {}) =>
    send(`${app.url}${path}`, { headers })

  it('a valid assertion → 200, the handler sees the route, grants and pinned claims', async () => {
    const res = await get('/whoami', { 'x-gitlab-assertion': assertion(gateway) })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      iss: ISSUER,
      route: 'deploy',
      grants: ['read'],
      claims: { project_id: '42', ref: 'main' },
    })
  })

  it.each([
    ['no assertion (the request bypassed the gateway)', () => ({})],
    [
      'a CI token instead of an assertion',
      () => ({ authorization: `Bearer ${gitlab.mint({ aud: AUDIENCE })}` }),
    ],
    ['an assertion signed by another key', () => ({ 'x-gitlab-assertion': assertion(impostor) })],
    [
      'an expired assertion',
      () => ({
        'x-gitlab-assertion': assertion(gateway, { iat: 1_000_000_000, exp: 1_000_000_030 }),
      }),
    ],
    [
      'another issuer',
      () => ({ 'x-gitlab-assertion': assertion(gateway, { iss: 'someone-else' }) }),
    ],
    [
      'a CI token in the assertion header',
      () => ({ 'x-gitlab-assertion': gitlab.mint({ aud: AUDIENCE }) }),
    ],
  ])('%s → 401 ERR_ASSERTION_INVALID with a request_id', async (_case, headers) => {
    const res = await get('/whoami', headers())
    expect({ status: res.status, code: res.json?.code }).toEqual({
      status: 401,
      code: 'ERR_ASSERTION_INVALID',
    })
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"')
    expect(res.json.request_id).toMatch(/^[\x21-\x7e]{1,128}$/)
  })

  it("requireGrants checks the assertion's grants", async () => {
    const denied = await get('/admin', { 'x-gitlab-assertion': assertion(gateway) })
    expect({ status: denied.status, code: denied.json?.code }).toEqual({
      status: 403,
      code: 'ERR_INSUFFICIENT_SCOPE',
    })
    const admin = assertion(gateway, { grants: ['read', 'admin'] })
    expect((await get('/admin', { 'x-gitlab-assertion': admin })).text).toBe('admin')
  })
})

describe('requireGatewayAssertion configuration', () => {
  it.each([
    ['Express', (o: never) => expressAdapter.verifyGitlabIdToken(o)],
    ['Koa', (o: never) => koaAdapter.verifyGitlabIdToken(o)],
  ])('%s: next to verifier options, it is a startup error', (_name, build) => {
    for (const extra of [{ audience: AUDIENCE, policy: { allow: [] } }, { optional: true }]) {
      expect(() => build({ ...options, ...extra } as never)).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_CONFIG',
          message: expect.stringContaining('pass it alone'),
        }),
      )
    }
    expect(() =>
      build({ requireGatewayAssertion: { jwks: gateway.jwks, issuer: '' } } as never),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }))
  })

  it('Fastify: next to verifier options, register() rejects', async () => {
    const app = Fastify()
    await expect(
      app.register(fastifyAdapter.verifyGitlabIdToken, { ...options, audience: AUDIENCE } as never),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_CONFIG' })
    await app.close().catch(() => undefined)
  })
})
