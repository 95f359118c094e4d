import { createVerifier, type Policy } from '@gitlab-id-token/core'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { buildSub, createMockGitlab, DEFAULT_SUB_COMPONENTS } from '../src/index.js'
import type { MockGitlab, SubComponent } from '../src/index.js'

const AUD = 'https://deploy.example.com'

let gitlab: MockGitlab
beforeAll(async () => {
  gitlab = await createMockGitlab({ audience: AUD })
})
afterAll(() => gitlab.close())

const FORK = { project_path: 'mallory/widget', job_project_path: 'acme/widget', ref: 'fix' }

describe('buildSub', () => {
  it("joins GitLab's default components", () => {
    expect(
      buildSub(DEFAULT_SUB_COMPONENTS, { project_path: 'g/p', ref_type: 'tag', ref: 'v1' }),
    ).toBe('project_path:g/p:ref_type:tag:ref:v1')
  })

  it('drops a nil component together with its key', () => {
    expect(
      buildSub(['project_path', 'deployment_tier', 'ref'], { project_path: 'g/p', ref: 'x' }),
    ).toBe('project_path:g/p:ref:x')
    expect(buildSub(['project_path', 'ref'], { project_path: 'g/p', ref: null })).toBe(
      'project_path:g/p',
    )
  })

  it("refuses what GitLab's settings validation refuses", () => {
    expect(() => buildSub([], {})).toThrow(/first component/)
    expect(() => buildSub(['ref', 'project_path'], {})).toThrow(/first component/)
    expect(() => buildSub(['project_path', 'user_login'], {})).toThrow(
      /"user_login" is not allowed/,
    )
    expect(() => buildSub(['project_path', 'ref', 'ref'], {})).toThrow(/twice/)
  })
})

// Every documented first component, with later components in several orders.
const ORDERS: readonly (readonly SubComponent[])[] = [
  ['project_path', 'ref_type', 'ref'],
  ['project_path', 'ref', 'ref_type'],
  ['project_path'],
  ['project_path', 'ref_type', 'ref', 'ref_protected', 'environment_protected', 'deployment_tier'],
  ['job_project_path', 'ref_type', 'ref'],
  ['job_project_id', 'ref'],
  ['source_project_path', 'ref_type', 'ref'],
  ['source_project_id', 'deployment_tier', 'ref_protected'],
  ['job_project_id', 'source_project_id', 'ref_type', 'ref'],
]

describe('sub components in minted tokens', () => {
  it('mints the fork MR forms: source is the fork, job the parent', () => {
    const sub = (subComponents: readonly SubComponent[]) =>
      decodeJwt(gitlab.mint(FORK, { subComponents })).sub
    expect(sub(['job_project_path', 'ref'])).toBe('job_project_path:acme/widget:ref:fix')
    expect(sub(['source_project_path', 'ref'])).toBe('source_project_path:mallory/widget:ref:fix')
    const claims = gitlab.buildClaims(FORK, {
      subComponents: ['job_project_id', 'source_project_id'],
    })
    expect(claims.sub).toBe(
      `job_project_id:${String(claims.job_project_id)}:source_project_id:${claims.project_id}`,
    )
    // source_project_* are documented but unconfirmed claims: they feed sub, never the payload.
    expect(claims).not.toHaveProperty('source_project_id')
  })

  it.each(ORDERS.map((order) => [order.join(','), order]))(
    'the verifier accepts %s as a CI token',
    async (_name, subComponents) => {
      const verifier = createVerifier({
        issuer: gitlab.issuer,
        audience: AUD,
        policy: { allow: [{ match: { job_project_path: 'acme/widget' } }] },
      })
      const token = gitlab.mint({ ...FORK, environment: 'production' }, { subComponents })
      const { claims } = await verifier.verify(token)
      expect(claims.sub.startsWith(`${subComponents[0] ?? ''}:`)).toBe(true)
    },
  )

  it('accepts the new first components as tenant pins', async () => {
    const parent = gitlab.buildClaims({ project_path: 'acme/widget' })
    const policy: Policy = {
      allow: [
        { name: 'by-id', match: { sub: { glob: `job_project_id:${parent.project_id}:*` } } },
        { name: 'by-path', match: { sub: { glob: 'source_project_path:acme/*' } } },
      ],
    }
    const verifier = createVerifier({ issuer: gitlab.issuer, audience: AUD, policy })
    const byId = gitlab.mint(
      { project_path: 'acme/widget' },
      { subComponents: ['job_project_id', 'ref'] },
    )
    await expect(verifier.verify(byId)).resolves.toMatchObject({ rules: ['by-id'] })
    const byPath = gitlab.mint(
      { project_path: 'acme/api' },
      { subComponents: ['source_project_path'] },
    )
    await expect(verifier.verify(byPath)).resolves.toMatchObject({ rules: ['by-path'] })
  })

  it.each([
    ['a Secrets Manager user token', { sub: 'user:jdoe' }],
    ['a Secrets Manager project API token', { sub: 'user:project_42_bot' }],
    ['a global Secrets Manager token', { sub: 'gitlab_secrets_manager' }],
    [
      'a Secrets Manager pipeline token',
      { secrets_manager_scope: 'pipeline', project_group_ids: ['7'] },
    ],
  ])('refuses %s, signed by the same key, with ERR_NOT_A_CI_TOKEN', async (_name, overrides) => {
    const verifier = createVerifier({
      issuer: gitlab.issuer,
      audience: AUD,
      policy: { allow: [{ match: { project_path: 'my-group/my-project' } }] },
    })
    await expect(verifier.verify(gitlab.mint(overrides))).rejects.toMatchObject({
      code: 'ERR_NOT_A_CI_TOKEN',
      status: 401,
    })
  })
})
