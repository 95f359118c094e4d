/**
 * The examples answer as documented (examples/README.md), and the demo's scenario holds.
 */

import { readFileSync } from 'node:fs'
import type { Writable } from 'node:stream'
import { createMockGitlab, type MintForJobContext, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readCurlCalls } from '../examples/demo/src/pipeline.js'
import { CI_YAML_PATH, runDemo } from '../examples/demo/src/run-demo.js'
import {
  createApp as createFastifyApi,
  start as startFastifyApi,
} from '../examples/fastify-api/src/app.js'
import { start as startDeployService } from '../examples/deploy-service/src/app.js'
import { start as startKoaApi } from '../examples/koa-api/src/app.js'
import { send } from './contract/http.js'

const ciYaml = readFileSync(CI_YAML_PATH, 'utf8')
const AUDIENCE = 'https://deploy.acme.example'
const WIDGET = { project_path: 'acme/widget', project_id: '4242' }

interface Running {
  readonly url: string
  close(): Promise<void>
}
type Logged = Record<string, unknown>
type Starter = (gitlab: MockGitlab, log: (entry: Logged) => void) => Promise<Running>

const examples: [string, Starter][] = [
  ['deploy-service (Express)', (gitlab, log) => startDeployService({ issuer: gitlab.issuer, log })],
  ['koa-api', (gitlab, log) => startKoaApi({ issuer: gitlab.issuer, log })],
  [
    'fastify-api',
    (gitlab, log) => {
      const stream = {
        write: (line: string) => log(JSON.parse(line) as Logged),
      } as unknown as Writable
      return startFastifyApi({ issuer: gitlab.issuer, logger: { level: 'warn', stream } })
    },
  ],
]

describe.each(examples)('example %s answers as documented', (_name, startExample) => {
  let gitlab: MockGitlab
  let service: Running
  let logs: Logged[] = []

  beforeAll(async () => {
    gitlab = await createMockGitlab()
    service = await startExample(gitlab, (entry) => logs.push(entry))
  })
  afterAll(async () => {
    await service.close()
    await gitlab.close()
  })

  const deploy = async (environment: string, job: string, context: MintForJobContext) => {
    logs = []
    const { DEPLOY_TOKEN: token = '' } = gitlab.mintForJob(ciYaml, job, context)
    const res = await send(`${service.url}/deploy/${environment}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    return { res, token }
  }

  const expectRefusal = (
    { res, token }: Awaited<ReturnType<typeof deploy>>,
    status: number,
    code: string,
  ) => {
    expect({ status: res.status, body: res.json }).toEqual({
      status,
      body: {
        error: expect.any(String),
        error_description: expect.any(String),
        code,
        request_id: expect.stringMatching(/^[\x21-\x7e]{1,128}$/),
      },
    })
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="gitlab-id-token"/)
    // The server's log line (from onDecision) carries the request_id the job received.
    const refusal = logs.find((entry) => entry.event === 'deploy.refused')
    expect(refusal).toMatchObject({ code, status, request_id: res.json.request_id })
    expect(JSON.stringify(logs)).not.toContain(token)
    return refusal
  }

  it('production: acme/widget on its protected default branch → 202', async () => {
    const { res } = await deploy('production', 'deploy-production', { ...WIDGET, ref: 'main' })
    expect({ status: res.status, body: res.json }).toMatchObject({
      status: 202,
      body: {
        status: 'queued',
        environment: 'production',
        project_path: 'acme/widget',
        ref: 'main',
        grants: ['deploy:production'],
      },
    })
  })

  it('production from an unprotected branch → 403 ERR_POLICY_DENIED, reason logged', async () => {
    const refusal = expectRefusal(
      await deploy('production', 'deploy-production', { ...WIDGET, ref: 'fix/typo' }),
      403,
      'ERR_POLICY_DENIED',
    )
    expect(refusal).toMatchObject({
      job_id: expect.any(String),
      reasons: expect.arrayContaining([
        {
          rule: 'production-deploy',
          grants: ['deploy:production'],
          failures: [expect.objectContaining({ claim: 'ref_protected' })],
        },
      ]),
    })
  })

  it('production from another project of the group → 403 ERR_POLICY_DENIED', async () => {
    const context = { project_path: 'acme/api', ref: 'main' }
    expectRefusal(
      await deploy('production', 'deploy-production', context),
      403,
      'ERR_POLICY_DENIED',
    )
  })

  it('staging: any project of the group or its subgroups, any branch → 202', async () => {
    for (const project_path of ['acme/api', 'acme/platform/tools']) {
      const { res } = await deploy('staging', 'deploy-staging', { project_path, ref: 'feature/x' })
      expect({ path: project_path, status: res.status }).toEqual({
        path: project_path,
        status: 202,
      })
    }
  })

  it('staging from outside the group → 403 ERR_POLICY_DENIED', async () => {
    const context = { project_path: 'acme-evil/api', ref: 'main' }
    expectRefusal(await deploy('staging', 'deploy-staging', context), 403, 'ERR_POLICY_DENIED')
  })

  it('a route whose environment differs from the job environment → 403 ERR_INSUFFICIENT_SCOPE', async () => {
    const production = { ...WIDGET, ref: 'main' }
    expectRefusal(
      await deploy('staging', 'deploy-production', production),
      403,
      'ERR_INSUFFICIENT_SCOPE',
    )
    const staging = { project_path: 'acme/api', ref: 'main' }
    expectRefusal(
      await deploy('production', 'deploy-staging', staging),
      403,
      'ERR_INSUFFICIENT_SCOPE',
    )
    expectRefusal(await deploy('qa', 'deploy-staging', staging), 403, 'ERR_INSUFFICIENT_SCOPE')
  })

  it('no token → 401 with a bare challenge; a token for another service → 401', async () => {
    const none = await send(`${service.url}/deploy/staging`, { method: 'POST' })
    expect({ status: none.status, code: none.json?.code }).toEqual({
      status: 401,
      code: 'ERR_TOKEN_MISSING',
    })
    expect(none.headers['www-authenticate']).toBe('Bearer realm="gitlab-id-token"')
    const { DEPLOY_EU_TOKEN: eu = '' } = gitlab.mintForJob(ciYaml, 'deploy-production', {
      ...WIDGET,
      ref: 'main',
    })
    const res = await send(`${service.url}/deploy/production`, {
      method: 'POST',
      headers: { authorization: `Bearer ${eu}` },
    })
    expect({ status: res.status, code: res.json?.code }).toEqual({
      status: 401,
      code: 'ERR_AUDIENCE_MISMATCH',
    })
  })
})

describe('examples/fastify-api configuration from the environment', () => {
  it('a missing variable fails at startup, naming it', async () => {
    await expect(createFastifyApi({ env: {}, logger: false })).rejects.toMatchObject({
      code: 'ERR_INVALID_CONFIG',
      message: expect.stringContaining('GITLAB_ID_TOKEN_AUDIENCE'),
    })
  })

  it('/healthz opts out of verification', async () => {
    const app = await createFastifyApi({
      env: {
        GITLAB_ID_TOKEN_AUDIENCE: AUDIENCE,
        GITLAB_ID_TOKEN_ISSUER: 'https://gitlab.example.com',
      },
      logger: false,
    })
    const res = await app.inject({ method: 'GET', url: '/healthz' })
    expect({ status: res.statusCode, body: res.json() }).toEqual({
      status: 200,
      body: { status: 'ok' },
    })
    await app.close()
  })
})

describe('examples/gitlab-ci.yml', () => {
  it.each(['deploy-staging', 'deploy-production'])(
    '%s sends each token only to the service of its audience',
    async (job) => {
      const gitlab = await createMockGitlab()
      try {
        const tokens = gitlab.mintForJob(ciYaml, job, { ...WIDGET, ref: 'main' })
        const calls = readCurlCalls(ciYaml, job)
        expect(calls.length).toBeGreaterThan(0)
        expect(calls.map((call) => call.tokenVariable).sort()).toEqual(Object.keys(tokens).sort())
        for (const call of calls) {
          const payload = JSON.parse(
            Buffer.from(tokens[call.tokenVariable]?.split('.')[1] ?? '', 'base64url').toString(),
          ) as { aud: string }
          expect(call.url.startsWith(`${payload.aud}/`)).toBe(true)
          expect(call.method).toBe('POST')
        }
      } finally {
        await gitlab.close()
      }
    },
  )

  it('deploy-production asks for two tokens with two audiences', async () => {
    const gitlab = await createMockGitlab()
    try {
      const tokens = gitlab.mintForJob(ciYaml, 'deploy-production', { ...WIDGET, ref: 'main' })
      expect(Object.keys(tokens)).toEqual(['DEPLOY_TOKEN', 'DEPLOY_EU_TOKEN'])
    } finally {
      await gitlab.close()
    }
  })
})

describe('the demo (pnpm demo)', () => {
  it('every row answers as the example policy promises', async () => {
    const rows = await runDemo()
    expect(rows.filter((row) => !row.ok)).toEqual([])
    expect(rows.map((row) => [row.variable, row.status, row.code ?? null])).toEqual([
      ['DEPLOY_TOKEN', 202, null],
      ['DEPLOY_TOKEN', 202, null],
      ['DEPLOY_EU_TOKEN', 202, null],
      ['DEPLOY_TOKEN', 403, 'ERR_POLICY_DENIED'],
      ['DEPLOY_TOKEN', 403, 'ERR_POLICY_DENIED'],
      ['DEPLOY_TOKEN', 403, 'ERR_POLICY_DENIED'],
      ['DEPLOY_EU_TOKEN', 401, 'ERR_AUDIENCE_MISMATCH'],
      ['DEPLOY_TOKEN', 401, 'ERR_TOKEN_EXPIRED'],
      ['-', 401, 'ERR_NOT_A_CI_TOKEN'],
      ['DEPLOY_TOKEN', 202, null],
      ['DEPLOY_TOKEN', 503, 'ERR_JWKS_UNAVAILABLE'],
    ])
    expect(rows[10]?.retryAfter).toMatch(/^\d+$/)
  })

  it('reports a broken promise instead of hiding it', async () => {
    // A pipeline file whose production job asks for the wrong audience: rows 2 and later differ.
    const broken = ciYaml.replace(
      /DEPLOY_TOKEN:\n\s+aud: https:\/\/deploy\.acme\.example\n(\s+DEPLOY_EU_TOKEN)/,
      'DEPLOY_TOKEN:\n      aud: https://elsewhere.example\n$1',
    )
    expect(broken).not.toBe(ciYaml)
    const rows = await runDemo({ ciYaml: broken })
    expect(rows[1]).toMatchObject({ status: 401, code: 'ERR_AUDIENCE_MISMATCH', ok: false })
  })
})
