/**
 * The README's "Testing your service", run: an app factory under supertest, a module-level app
 * imported after its variables are set, a mock on a fixed port, and `evaluatePolicy` on built
 * claims. The regions between `#region readme` markers are the README's blocks, verbatim.
 */

import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { evaluatePolicy } from '@gitlab-id-token/core'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import request from 'supertest'

// #region readme: app.ts
import express, { type Express } from 'express'
import {
  gitlabIdTokenErrorHandler,
  requireGrants,
  verifyGitlabIdToken,
  type Policy,
  type VerifyGitlabIdTokenOptions,
} from '@gitlab-id-token/express'

export const policy: Policy = {
  allow: [{ name: 'deploy', match: { project_id: '42', ref_protected: true }, grants: ['deploy'] }],
}

/** The app, with the verifier settings as a parameter: production passes none (env). */
export function createApp(options?: VerifyGitlabIdTokenOptions): Express {
  const app = express()
  app.use(verifyGitlabIdToken(options))
  app.post('/deploy', requireGrants('deploy'), (req, res) => {
    res.json({ project: req.gitlabIdToken?.claims.project_path })
  })
  app.use(gitlabIdTokenErrorHandler())
  return app
}
// #endregion

describe('an app factory under supertest', () => {
  // #region readme: app.test.ts
  const AUDIENCE = 'https://deploy.example.com'
  let gitlab: MockGitlab
  let app: Express
  beforeAll(async () => {
    gitlab = await createMockGitlab({ audience: AUDIENCE }) // every mint() gets this aud
    app = createApp({ issuer: gitlab.issuer, audience: AUDIENCE, policy })
  })
  afterAll(() => gitlab.close())

  const token = (claims = {}) =>
    `Bearer ${gitlab.mint({ project_id: '42', ref: 'main', ...claims })}`

  it('lets the main branch of project 42 deploy', async () => {
    const res = await request(app).post('/deploy').set('Authorization', token()).expect(200)
    expect(res.body).toEqual({ project: 'my-group/my-project' })
  })

  it('refuses a feature branch with 403', async () => {
    const res = await request(app)
      .post('/deploy')
      .set('Authorization', token({ ref: 'feature/login' }))
      .expect(403)
    expect(res.body.code).toBe('ERR_POLICY_DENIED')
  })

  it('refuses a request without a token with 401 and a challenge', async () => {
    const res = await request(app).post('/deploy').expect(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="gitlab-id-token"')
  })
  // #endregion
})

describe('a module-level app', () => {
  const saved = { ...process.env }
  afterAll(() => {
    process.env = saved
  })

  // #region readme: server.test.ts
  let gitlab: MockGitlab
  let app: Express
  beforeAll(async () => {
    gitlab = await createMockGitlab({ audience: 'https://deploy.example.com' })
    process.env.GITLAB_ID_TOKEN_ISSUER = gitlab.issuer
    process.env.GITLAB_ID_TOKEN_AUDIENCE = 'https://deploy.example.com'
    process.env.GITLAB_ID_TOKEN_POLICY = JSON.stringify(policy) // or the path of a policy file
    // A static import would run before these lines: import the module after them.
    ;({ app } = await import('../../../test/readme/module-level-app.js'))
  })
  afterAll(() => gitlab.close())

  it('deploys', async () => {
    const token = gitlab.mint({ project_id: '42', ref: 'main' })
    await request(app).post('/deploy').set('Authorization', `Bearer ${token}`).expect(200)
  })
  // #endregion
})

describe('a mock on a fixed port', () => {
  it('serves the issuer the configuration names before it starts', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address()
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
      })
    })
    // #region readme: fixed-port
    const gitlab = await createMockGitlab({ port }) // e.g. 8899, named in .env.test
    expect(gitlab.issuer).toBe(`http://127.0.0.1:${port}`)
    // #endregion
    const res = await fetch(`${gitlab.issuer}/.well-known/openid-configuration`)
    expect(((await res.json()) as { issuer: string }).issuer).toBe(gitlab.issuer)
    await gitlab.close()
  })
})

describe('policy tests without HTTP', () => {
  let gitlab: MockGitlab
  beforeAll(async () => {
    gitlab = await createMockGitlab()
  })
  afterAll(() => gitlab.close())

  it('decides on built claims', () => {
    // #region readme: policy.test.ts
    const main = evaluatePolicy(policy, gitlab.buildClaims({ project_id: '42', ref: 'main' }))
    expect(main).toMatchObject({ allowed: true, grants: ['deploy'], rules: ['deploy'] })

    const branch = evaluatePolicy(policy, gitlab.buildClaims({ project_id: '42', ref: 'dev' }))
    expect(branch.allowed).toBe(false)
    expect(branch.reasons[0]?.failures[0]).toMatchObject({ claim: 'ref_protected' })
    // #endregion
  })
})

describe('packages/testing/README.md "Testing your service"', () => {
  // The README's blocks are these regions, so the documented code is the code that runs here.
  const source = readFileSync(new URL(import.meta.url), 'utf8')
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const regions = [
    ...source.matchAll(/^( *)\/\/ #region readme: (.+)\n([\s\S]*?)^ *\/\/ #endregion/gm),
  ]

  it.each(regions.map(([, indent = '', name = '', body = '']) => [name, indent, body]))(
    'shows the %s block as tested',
    (_name, indent, body) => {
      const code = body
        .split('\n')
        .map((line) => line.slice(indent.length))
        .join('\n')
        .replace("'../../../test/readme/module-level-app.js'", "'../src/server.js'")
        .trim()
      expect(readme).toContain(code)
    },
  )
})
