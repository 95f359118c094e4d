/**
 * Express 4 and 5 render an error with their default handler as an HTML page that includes the
 * stack trace whenever `NODE_ENV` is not `production`. The refusals are fine to pass to it
 * status-wise, but the safe rendering is `gitlabIdTokenErrorHandler()`, which these tests pin.
 */

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gitlabIdTokenErrorHandler, verifyGitlabIdToken } from '@gitlab-id-token/express'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import express, { type Express } from 'express'
import express4 from 'express4'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'

const AUDIENCE = 'https://deploy.example.com'
const policy = { allow: [{ match: { project_path: 'acme/widget' }, grants: ['deploy'] }] }

let gitlab: MockGitlab
const servers: Server[] = []

beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterEach(async () => {
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})
afterAll(() => gitlab.close())

async function serve(app: Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1')
  servers.push(server)
  await new Promise((resolve) => server.once('listening', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const bearer = (claims: Record<string, unknown> = {}) => ({
  authorization: `Bearer ${gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget', ...claims })}`,
})

describe.each([
  ['Express 5', express],
  ['Express 4', express4],
])('%s error rendering', (_name, framework) => {
  function build(withHandler: boolean): Express {
    const app = framework()
    app.use(verifyGitlabIdToken({ audience: AUDIENCE, issuer: gitlab.issuer, policy }))
    app.get('/', (_req, res) => {
      res.end('ok')
    })
    app.get('/crash', () => {
      throw new Error('not a refusal')
    })
    if (withHandler) app.use(gitlabIdTokenErrorHandler())
    return app
  }

  it('the default handler answers a refusal with an HTML stack trace when NODE_ENV is unset', async () => {
    vi.stubEnv('NODE_ENV', '')
    // Express also prints the stack to stderr outside NODE_ENV=test.
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const res = await fetch(await serve(build(false)))
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await res.text()).toMatch(/GitlabIdTokenError: [\s\S]*?\bat \S+ \(/)
  })

  it('gitlabIdTokenErrorHandler() answers with status, headers and toJSON(), no stack', async () => {
    vi.stubEnv('NODE_ENV', '')
    const url = await serve(build(true))
    const missing = await fetch(url)
    const text = await missing.text()
    expect({ status: missing.status, type: missing.headers.get('content-type') }).toEqual({
      status: 401,
      type: 'application/json; charset=utf-8',
    })
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="gitlab-id-token"')
    expect(JSON.parse(text)).toEqual({
      error: 'unauthorized',
      error_description: 'bearer token required',
      code: 'ERR_TOKEN_MISSING',
      request_id: expect.stringMatching(/^[\w-]{12}$/),
    })
    expect(text).not.toMatch(/ at |node_modules|GitlabIdTokenError/)

    const denied = await fetch(url, { headers: bearer({ project_path: 'other/widget' }) })
    expect(denied.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
    expect({ status: denied.status, body: await denied.json() }).toEqual({
      status: 403,
      body: {
        error: 'insufficient_scope',
        error_description: 'denied by policy',
        code: 'ERR_POLICY_DENIED',
        request_id: expect.any(String),
      },
    })
    expect((await fetch(url, { headers: bearer() })).status).toBe(200)
  })

  it('passes every other error on to the next handler', async () => {
    vi.stubEnv('NODE_ENV', 'production')
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const res = await fetch(`${await serve(build(true))}/crash`, { headers: bearer() })
    expect(res.status).toBe(500)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
  })
})
