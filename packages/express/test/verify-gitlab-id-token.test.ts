/**
 * Express-specific behaviour. The shared behaviour (every status and code, Express 5 and 4) is in
 * the adapter contract: test/adapters.test.ts.
 */

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createVerifier, type Policy } from '@gitlab-id-token/core'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import express, { type Express } from 'express'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { gitlabIdTokenErrorHandler, requireGrants, verifyGitlabIdToken } from '../src/index.js'

const AUDIENCE = 'https://deploy.example.com'
const policy: Policy = {
  allow: [{ name: 'widget', match: { project_path: 'acme/widget' }, grants: ['deploy'] }],
}

let gitlab: MockGitlab
const servers: Server[] = []

beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterEach(async () => {
  vi.unstubAllEnvs()
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})
afterAll(async () => {
  await gitlab.close()
})

async function serve(app: Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1')
  servers.push(server)
  await new Promise((resolve) => server.once('listening', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const token = (claims: Record<string, unknown> = {}) =>
  gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget', ...claims })

function whoami(app: Express): Express {
  app.get('/', (req, res) => {
    res.json({ project: req.gitlabIdToken?.claims.project_path, grants: req.gitlabIdToken?.grants })
  })
  return app
}

describe('verifyGitlabIdToken (Express)', () => {
  it("Express's default error handler already answers with the error's status and headers", async () => {
    const url = await serve(
      whoami(
        express().use(verifyGitlabIdToken({ audience: AUDIENCE, issuer: gitlab.issuer, policy })),
      ),
    )
    const missing = await fetch(url)
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="gitlab-id-token"')
    const denied = await fetch(url, {
      headers: { authorization: `Bearer ${token({ project_path: 'other/widget' })}` },
    })
    expect(denied.status).toBe(403)
    expect(denied.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
  })

  it('with no options, reads GITLAB_ID_TOKEN_* once, at construction', async () => {
    vi.stubEnv('GITLAB_ID_TOKEN_AUDIENCE', AUDIENCE)
    vi.stubEnv('GITLAB_ID_TOKEN_ISSUER', gitlab.issuer)
    vi.stubEnv('GITLAB_ID_TOKEN_POLICY', JSON.stringify(policy))
    const middleware = verifyGitlabIdToken()
    vi.stubEnv('GITLAB_ID_TOKEN_AUDIENCE', 'https://changed.example.com')
    const url = await serve(whoami(express().use(middleware)))
    const res = await fetch(url, { headers: { authorization: `Bearer ${token()}` } })
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 200,
      body: { project: 'acme/widget', grants: ['deploy'] },
    })
  })

  it('a missing variable throws at startup, naming it', () => {
    vi.stubEnv('GITLAB_ID_TOKEN_AUDIENCE', '')
    vi.stubEnv('GITLAB_ID_TOKEN_POLICY', JSON.stringify(policy))
    expect(() => verifyGitlabIdToken()).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_CONFIG',
        message: expect.stringContaining('GITLAB_ID_TOKEN_AUDIENCE'),
      }),
    )
  })

  it('bad options throw at startup', () => {
    expect(() => verifyGitlabIdToken({ audience: [], issuer: gitlab.issuer, policy })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }),
    )
    const verifier = createVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy })
    const both = { verifier, audience: AUDIENCE } as unknown as Parameters<
      typeof verifyGitlabIdToken
    >[0]
    expect(() => verifyGitlabIdToken(both)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }),
    )
    expect(() => requireGrants()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }))
  })

  it('getToken reads the token from elsewhere; none found is ERR_TOKEN_MISSING', async () => {
    const app = express().use(
      verifyGitlabIdToken({
        audience: AUDIENCE,
        issuer: gitlab.issuer,
        policy,
        getToken: (req) => req.get('x-gitlab-id-token'),
      }),
    )
    const url = await serve(whoami(app))
    const ok = await fetch(url, { headers: { 'x-gitlab-id-token': token() } })
    expect(ok.status).toBe(200)
    const missing = await fetch(url, { headers: { authorization: `Bearer ${token()}` } })
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="gitlab-id-token"')
  })

  it('requireGrants without verifyGitlabIdToken first is a 500 (a server bug, not a client error)', async () => {
    const app = express().get('/', requireGrants('deploy'), (_req, res) => {
      res.end('unreachable')
    })
    app.use(((error, _req, res, _next) => {
      res.status(500).json({ code: (error as { code?: string }).code })
    }) as express.ErrorRequestHandler)
    const res = await fetch(await serve(app))
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 500,
      body: { code: 'ERR_INVALID_CONFIG' },
    })
  })

  it('onDecision receives req; optional lets a request without a credential through', async () => {
    const seen: unknown[] = []
    const app = express()
    app.use(
      verifyGitlabIdToken({
        audience: AUDIENCE,
        issuer: gitlab.issuer,
        policy,
        optional: true,
        onDecision: (_event, request) => seen.push(request),
      }),
    )
    app.get('/', (req, res) => {
      res.json({
        project: req.gitlabIdToken?.claims.project_path ?? null,
        same: seen.at(-1) === req,
      })
    })
    app.get('/deploy', requireGrants('deploy'), (_req, res) => {
      res.end('deployed')
    })
    app.use(gitlabIdTokenErrorHandler())
    const url = await serve(app)
    expect(await (await fetch(url)).json()).toEqual({ project: null, same: false })
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token()}` } })
    expect(await ok.json()).toEqual({ project: 'acme/widget', same: true })
    const bad = await fetch(url, { headers: { authorization: 'Bearer x.y.z' } })
    expect(bad.status).toBe(401)
    const deploy = await fetch(`${url}/deploy`)
    expect({
      status: deploy.status,
      code: ((await deploy.json()) as { code: string }).code,
    }).toEqual({ status: 401, code: 'ERR_TOKEN_MISSING' })
  })

  it('does not let CORS preflights through by itself: mount CORS handling first', async () => {
    const app = express()
    app.use((req, res, next) => {
      // What cors() does for a preflight: answer it and stop.
      if (req.method === 'OPTIONS') res.status(204).end()
      else next()
    })
    app.use(verifyGitlabIdToken({ audience: AUDIENCE, issuer: gitlab.issuer, policy }))
    const url = await serve(whoami(app))
    expect((await fetch(url, { method: 'OPTIONS' })).status).toBe(204)
    expect((await fetch(url)).status).toBe(401)

    const bare = await serve(
      whoami(
        express().use(verifyGitlabIdToken({ audience: AUDIENCE, issuer: gitlab.issuer, policy })),
      ),
    )
    expect((await fetch(bare, { method: 'OPTIONS' })).status).toBe(401)
  })
})
