import { createVerifier } from '@gitlab-id-token/core'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createMockGitlab } from '../src/index.js'
import type { ConfigSource, MintOptions, MockGitlab } from '../src/index.js'

const AUD = 'https://deploy.example.com'
const OTHER_SOURCES: readonly ConfigSource[] = [
  'external_project',
  'remote',
  'auto_devops',
  'policy',
]

let gitlab: MockGitlab
let host: string
beforeAll(async () => {
  gitlab = await createMockGitlab({ audience: AUD })
  host = new URL(gitlab.url).host
})
afterAll(() => gitlab.close())

const claimsOf = (options: MintOptions) =>
  decodeJwt(gitlab.mint({ project_path: 'acme/widget' }, options))

describe('ci_config_ref_uri and ci_config_sha by config source (claim_mapper.rb)', () => {
  it('name the repository file for repository configs, on every version that has them', () => {
    for (const gitlabVersion of ['16.2', '17.0', '18.8', '18.10']) {
      const claims = claimsOf({ gitlabVersion, configSource: 'repository' })
      expect(claims.ci_config_ref_uri).toBe(`${host}/acme/widget//.gitlab-ci.yml@refs/heads/main`)
      expect(claims.ci_config_sha).toBe(claims.sha)
    }
    expect(claimsOf({ ciConfigPath: 'ci/build.yml' }).ci_config_ref_uri).toBe(
      `${host}/acme/widget//ci/build.yml@refs/heads/main`,
    )
  })

  it.each(OTHER_SOURCES.map((source) => [source]))(
    '%s: JSON null on 16.x, absent on 17.0–18.8 and on 18.9 without the flag',
    (configSource) => {
      const sixteen = claimsOf({ gitlabVersion: '16.11', configSource })
      expect(sixteen).toHaveProperty('ci_config_ref_uri', null)
      expect(sixteen).toHaveProperty('ci_config_sha', null)
      for (const gitlabVersion of ['17.0', '18.8', '18.9']) {
        const claims = claimsOf({ gitlabVersion, configSource })
        expect(claims).not.toHaveProperty('ci_config_ref_uri')
        expect(claims).not.toHaveProperty('ci_config_sha')
      }
    },
  )

  it.each([
    ['external_project', '.gitlab-ci.yml@acme/ci-templates'],
    ['remote', 'https://ci.example.com/pipeline.yml'],
    ['auto_devops', '.gitlab-ci.yml'],
    ['policy', '.gitlab-ci.yml'],
  ] as const)(
    '%s: synthesised from the config path on 18.9 with the flag and on the newest',
    (configSource, path) => {
      const expected = `${host}/acme/widget//${path}@refs/heads/main`
      const flagged = claimsOf({
        gitlabVersion: '18.9',
        configSource,
        featureFlags: { default_jwt_ci_config_ref_uri: true },
      })
      expect(flagged.ci_config_ref_uri).toBe(expected)
      const newest = claimsOf({ configSource })
      expect(newest.ci_config_ref_uri).toBe(expected)
      // The pipeline SHA, not the commit of the config file (claim_mapper.rb).
      expect(newest.ci_config_sha).toBe(newest.sha)
    },
  )

  it('marks policy jobs with job_source and job_config (18.9+)', () => {
    const claims = claimsOf({ configSource: 'policy' })
    expect(claims.job_source).toBe('pipeline_execution_policy')
    expect(claims.job_config).toEqual({
      url: `${gitlab.instanceUrl}/acme/security-policies/-/blob/${String(claims.sha)}/.gitlab/security-policies/policy.yml`,
      sha: claims.sha,
    })
    expect(claimsOf({ configSource: 'policy', gitlabVersion: '18.8' })).not.toHaveProperty(
      'job_config',
    )
    expect(claimsOf({ configSource: 'remote' })).not.toHaveProperty('job_config')
  })

  it('verifies every source as a CI token; a ci_config_ref_uri pin fails closed where it is absent', async () => {
    const pinned = `${host}/acme/widget//.gitlab-ci.yml@refs/heads/main`
    const verifier = createVerifier({
      issuer: gitlab.issuer,
      audience: AUD,
      policy: { allow: [{ match: { ci_config_ref_uri: pinned } }] },
    })
    const mint = (options: MintOptions) => gitlab.mint({ project_path: 'acme/widget' }, options)
    await expect(verifier.verify(mint({ configSource: 'repository' }))).resolves.toBeDefined()
    await expect(
      verifier.verify(mint({ configSource: 'remote', gitlabVersion: '17.5' })),
    ).rejects.toMatchObject({ code: 'ERR_POLICY_DENIED', status: 403 })
    await expect(
      verifier.verify(mint({ configSource: 'remote', gitlabVersion: '16.5' })),
    ).rejects.toMatchObject({ code: 'ERR_POLICY_DENIED', status: 403 })
    // Newest GitLab names the project's default file even for Auto DevOps: presence no longer
    // proves the YAML came from the repository.
    await expect(verifier.verify(mint({ configSource: 'auto_devops' }))).resolves.toBeDefined()
  })
})
