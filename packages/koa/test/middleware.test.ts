/**
 * Koa-specific behaviour. The shared behaviour (every status and code) is in the adapter
 * contract: test/adapters.test.ts.
 */

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Policy } from '@gitlab-id-token/core'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import Koa from 'koa'
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

async function serve(app: Koa): Promise<string> {
  app.silent = true // Koa would print every 5xx to stderr
  const handle = app.callback()
  const server = createServer((req, res) => void handle(req, res)).listen(0, '127.0.0.1')
  servers.push(server)
  await new Promise((resolve) => server.once('listening', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const token = (claims: Record<string, unknown> = {}) =>
  gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget', ...claims })
const bearer = (value: string) => ({ authorization: `Bearer ${value}` })

describe('verifyGitlabIdToken (Koa)', () => {
  it("Koa's default error handler answers with the error's status, headers and safe message", async () => {
    const app = new Koa()
    app
      .use(verifyGitlabIdToken({ audience: AUDIENCE, issuer: gitlab.issuer, policy }))
      .use((ctx) => {
        ctx.body = ctx.state.gitlabIdToken.claims.project_path
      })
    const url = await serve(app)
    const missing = await fetch(url)
    expect({ status: missing.status, challenge: missing.headers.get('www-authenticate') }).toEqual({
      status: 401,
      challenge: 'Bearer realm="gitlab-id-token"',
    })
    const expired = await fetch(url, { headers: bearer(token({ exp: 1_000_000_000 })) })
    expect(expired.status).toBe(401)
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"')
    const ok = await fetch(url, { headers: bearer(token()) })
    expect({ status: ok.status, body: await ok.text() }).toEqual({
      status: 200,
      body: 'acme/widget',
    })
  })

  it('a 503 keeps Retry-After and does not expose its message', async () => {
    const down = await createMockGitlab()
    down.setKeySetResponse('error')
    try {
      const app = new Koa().use(
        verifyGitlabIdToken({ audience: AUDIENCE, issuer: down.issuer, policy }),
      )
      const url = await serve(app)
      const res = await fetch(url, {
        headers: bearer(down.mint({ aud: AUDIENCE, project_path: 'acme/widget' })),
      })
      expect({ status: res.status, body: await res.text() }).toEqual({
        status: 503,
        body: 'Service Unavailable',
      })
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    } finally {
      await down.close()
    }
  })

  it('requireGrants throws ERR_INSUFFICIENT_SCOPE (403) when a grant is missing', async () => {
    const app = new Koa()
      .use(verifyGitlabIdToken({ audience: AUDIENCE, issuer: gitlab.issuer, policy }))
      .use(requireGrants('deploy', 'admin'))
    const res = await fetch(await serve(app), { headers: bearer(token()) })
    expect(res.status).toBe(403)
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
    expect(() => requireGrants()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }))
  })

  it('with no options, reads GITLAB_ID_TOKEN_* at construction; a missing one throws', async () => {
    vi.stubEnv('GITLAB_ID_TOKEN_AUDIENCE', AUDIENCE)
    vi.stubEnv('GITLAB_ID_TOKEN_ISSUER', gitlab.issuer)
    vi.stubEnv('GITLAB_ID_TOKEN_POLICY', JSON.stringify(policy))
    const app = new Koa().use(verifyGitlabIdToken()).use((ctx) => {
      ctx.body = ctx.state.gitlabIdToken.rules
    })
    const res = await fetch(await serve(app), { headers: bearer(token()) })
    expect(await res.json()).toEqual(['widget'])
    vi.stubEnv('GITLAB_ID_TOKEN_AUDIENCE', '')
    expect(() => verifyGitlabIdToken()).toThrow(
      expect.objectContaining({ message: expect.stringContaining('GITLAB_ID_TOKEN_AUDIENCE') }),
    )
  })

  it('gitlabIdTokenErrorHandler() renders refusals as JSON with request_id; onDecision gets ctx', async () => {
    const seen: unknown[] = []
    const app = new Koa()
      .use(gitlabIdTokenErrorHandler())
      .use(
        verifyGitlabIdToken({
          audience: AUDIENCE,
          issuer: gitlab.issuer,
          policy,
          onDecision: (event, request) => seen.push([event.requestId, request]),
        }),
      )
      .use((ctx) => {
        ctx.body = { same: (seen.at(-1) as unknown[] | undefined)?.[1] === ctx }
      })
    const url = await serve(app)
    const missing = await fetch(url)
    expect({ status: missing.status, body: await missing.json() }).toEqual({
      status: 401,
      body: {
        error: 'unauthorized',
        error_description: 'bearer token required',
        code: 'ERR_TOKEN_MISSING',
        request_id: expect.stringMatching(/^[\w-]{12}$/),
      },
    })
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="gitlab-id-token"')
    const denied = await fetch(url, { headers: bearer(token({ project_path: 'other/x' })) })
    const body = (await denied.json()) as { code: string; request_id: string }
    expect(body.code).toBe('ERR_POLICY_DENIED')
    expect(seen.at(-1)).toEqual([body.request_id, expect.anything()])
    expect(await (await fetch(url, { headers: bearer(token()) })).json()).toEqual({ same: true })
  })

  it('optional: no credential continues with no state; a bad token is still refused', async () => {
    const app = new Koa()
      .use(
        verifyGitlabIdToken({ audience: AUDIENCE, issuer: gitlab.issuer, policy, optional: true }),
      )
      .use((ctx) => {
        ctx.body = { project: ctx.state.gitlabIdToken?.claims.project_path ?? null }
      })
    const url = await serve(app)
    expect(await (await fetch(url)).json()).toEqual({ project: null })
    expect((await fetch(url, { headers: bearer('x.y.z') })).status).toBe(401)
    expect(await (await fetch(url, { headers: bearer(token()) })).json()).toEqual({
      project: 'acme/widget',
    })
  })

  it('getToken receives the context', async () => {
    const app = new Koa()
      .use(
        verifyGitlabIdToken({
          audience: AUDIENCE,
          issuer: gitlab.issuer,
          policy,
          getToken: (ctx) => ctx.cookies.get('id_token'),
        }),
      )
      .use((ctx) => {
        ctx.body = 'ok'
      })
    const url = await serve(app)
    expect((await fetch(url, { headers: { cookie: `id_token=${token()}` } })).status).toBe(200)
    expect((await fetch(url, { headers: bearer(token()) })).status).toBe(401)
  })
})
