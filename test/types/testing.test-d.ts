import { evaluatePolicy, type GitlabIdTokenClaims, type Policy } from '@gitlab-id-token/core'
import {
  buildCiClaims,
  createMockGitlab,
  type CiClaims,
  type MintOptions,
  type MockGitlab,
} from '@gitlab-id-token/testing'
import { describe, expectTypeOf, it } from 'vitest'

const policy: Policy = { allow: [{ match: { project_id: '42', ref_type: 'tag' } }] }

describe('@gitlab-id-token/testing types', () => {
  it('types built claims as verified claims, so evaluatePolicy takes them', () => {
    const check = (gitlab: MockGitlab) => evaluatePolicy(policy, gitlab.buildClaims({ ref: 'v1' }))
    expectTypeOf(check).returns.toHaveProperty('allowed')
    const claims = buildCiClaims({}, { issuer: 'https://g', now: 0, expiresIn: 1, audience: 'a' })
    expectTypeOf(claims).toEqualTypeOf<CiClaims>()
    expectTypeOf(claims).toExtend<GitlabIdTokenClaims>()
    expectTypeOf(evaluatePolicy(policy, claims).allowed).toEqualTypeOf<boolean>()
  })

  it('takes the profile, timeout and port options', () => {
    expectTypeOf(createMockGitlab).toBeCallableWith({
      port: 8080,
      gitlabVersion: '17.1',
      configSource: 'remote',
      subComponents: ['job_project_id', 'ref'],
      featureFlags: { ci_jwt_groups_direct: true },
      instanceUrl: (origin: string) => `${origin}/gitlab`,
      issuer: 'https://oidc.example.com',
      runnerMaxTimeout: 1800,
      projectTimeout: null,
    })
    const options: MintOptions = { jobTimeout: 600, configSource: 'policy' }
    expectTypeOf(options).toExtend<MintOptions>()
    // @ts-expect-error not a config source GitLab has
    const typo: MintOptions = { configSource: 'repo' }
    // @ts-expect-error not a sub component GitLab allows
    const component: MintOptions = { subComponents: ['user_login'] }
    expectTypeOf([typo, component]).toBeArray()
  })
})
