import { describe, expect, it } from 'vitest'

import { applyOverrides, stableId } from '../src/claim-helpers.js'
import { buildCiClaims, guessDeploymentTier, serverFqdn } from '../src/index.js'
import type { CiClaimsContext } from '../src/index.js'

const context: CiClaimsContext = {
  issuer: 'https://gitlab.example.com',
  now: 1_722_189_366_900,
  expiresIn: 3600,
  audience: 'https://relying-party.example.com',
}

const STRING_CLAIMS = [
  'project_id', 'project_path', 'namespace_id', 'namespace_path', 'user_id', 'user_login',
  'user_email', 'user_access_level', 'job_project_id', 'job_project_path', 'job_namespace_id',
  'job_namespace_path', 'pipeline_id', 'pipeline_source', 'job_id', 'ref', 'ref_type', 'ref_path',
  'ref_protected', 'job_source', 'runner_environment', 'sha', 'project_visibility',
  'ci_config_ref_uri', 'ci_config_sha', 'jti', 'iss', 'sub', 'aud',
] // prettier-ignore

describe('buildCiClaims', () => {
  it('fills every claim consistently from project_path and ref', () => {
    const claims = buildCiClaims({ project_path: 'acme-group/sub/widget', ref: 'main' }, context)
    expect(claims).toMatchObject({
      project_path: 'acme-group/sub/widget',
      namespace_path: 'acme-group/sub',
      job_project_path: 'acme-group/sub/widget',
      job_namespace_path: 'acme-group/sub',
      project_id: stableId('project', 'acme-group/sub/widget'),
      job_project_id: stableId('project', 'acme-group/sub/widget'),
      namespace_id: stableId('namespace', 'acme-group/sub'),
      ref: 'main',
      ref_type: 'branch',
      ref_path: 'refs/heads/main',
      ref_protected: 'true',
      sub: 'project_path:acme-group/sub/widget:ref_type:branch:ref:main',
      ci_config_ref_uri: 'gitlab.example.com/acme-group/sub/widget//.gitlab-ci.yml@refs/heads/main',
      iss: 'https://gitlab.example.com',
      aud: 'https://relying-party.example.com',
      runner_environment: 'self-hosted',
      pipeline_source: 'push',
      job_source: 'push',
      project_visibility: 'private',
      iat: 1_722_189_366,
      nbf: 1_722_189_361,
      exp: 1_722_192_966,
    })
    expect(claims.ci_config_sha).toBe(claims.sha)
    expect(claims.sha).toMatch(/^[0-9a-f]{40}$/)
    expect(claims.jti).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
  })

  it('uses GitLab JSON types: IDs and booleans as strings, runner_id a number, times integers', () => {
    const claims = buildCiClaims({}, context)
    for (const name of STRING_CLAIMS) expect(typeof claims[name], name).toBe('string')
    for (const name of [
      'project_id',
      'namespace_id',
      'user_id',
      'pipeline_id',
      'job_id',
      'job_project_id',
    ]) {
      expect(claims[name], name).toMatch(/^[1-9]\d*$/)
    }
    expect(typeof claims.runner_id).toBe('number')
    for (const name of ['iat', 'nbf', 'exp'])
      expect(Number.isInteger(claims[name]), name).toBe(true)
  })

  it('omits the environment claims without an environment and derives them with one', () => {
    const without = buildCiClaims({}, context)
    for (const name of [
      'environment',
      'environment_protected',
      'deployment_tier',
      'environment_action',
    ]) {
      expect(without).not.toHaveProperty(name)
    }
    expect(buildCiClaims({ environment: 'production' }, context)).toMatchObject({
      environment: 'production',
      environment_protected: 'false',
      deployment_tier: 'production',
      environment_action: 'start',
    })
    expect(
      buildCiClaims({ environment: 'review/fix', environment_protected: 'true' }, context),
    ).toMatchObject({
      deployment_tier: 'development',
      environment_protected: 'true',
    })
  })

  it('derives tag refs', () => {
    const claims = buildCiClaims({ project_path: 'g/p', ref: 'v1.2.0', ref_type: 'tag' }, context)
    expect(claims).toMatchObject({
      ref_path: 'refs/tags/v1.2.0',
      ref_protected: 'false',
      sub: 'project_path:g/p:ref_type:tag:ref:v1.2.0',
      ci_config_ref_uri: 'gitlab.example.com/g/p//.gitlab-ci.yml@refs/tags/v1.2.0',
    })
  })

  it('is deterministic per path, case-insensitively, and distinct across paths', () => {
    const a = buildCiClaims({ project_path: 'acme/widget' }, context)
    const b = buildCiClaims({ project_path: 'ACME/Widget' }, context)
    const c = buildCiClaims({ project_path: 'acme/gadget' }, context)
    expect(a.project_id).toBe(b.project_id)
    expect(a.namespace_id).toBe(c.namespace_id)
    expect(a.project_id).not.toBe(c.project_id)
    expect(b.project_path).toBe('ACME/Widget')
  })

  it('models a fork merge request: project_* is the fork, job_project_* where the job ran', () => {
    const claims = buildCiClaims(
      {
        project_path: 'mallory/widget',
        job_project_path: 'acme/widget',
        pipeline_source: 'merge_request_event',
      },
      context,
    )
    expect(claims).toMatchObject({
      namespace_path: 'mallory',
      job_namespace_path: 'acme',
      job_project_id: stableId('project', 'acme/widget'),
      job_namespace_id: stableId('namespace', 'acme'),
      sub: 'project_path:mallory/widget:ref_type:branch:ref:main',
    })
    expect(claims.project_id).not.toBe(claims.job_project_id)
  })

  it('keeps overridden IDs consistent with job_project_* for the same project', () => {
    const claims = buildCiClaims({ project_id: '42', namespace_id: '7' }, context)
    expect(claims).toMatchObject({
      project_id: '42',
      job_project_id: '42',
      namespace_id: '7',
      job_namespace_id: '7',
    })
  })

  it('lets overrides win verbatim, deletes on undefined and keeps null', () => {
    const claims = buildCiClaims(
      {
        ref_protected: true,
        project_id: 42,
        runner_id: null,
        jti: undefined,
        groups_direct: ['acme'],
      },
      context,
    )
    expect(claims.ref_protected).toBe(true)
    expect(claims.project_id).toBe(42)
    expect(claims.runner_id).toBeNull()
    expect(claims).not.toHaveProperty('jti')
    expect(claims.groups_direct).toEqual(['acme'])
  })

  it('propagates sha and ref_path overrides into the ci_config claims', () => {
    const sha = 'a'.repeat(40)
    const claims = buildCiClaims({ sha, ref_path: 'refs/heads/other' }, context)
    expect(claims.ci_config_sha).toBe(sha)
    expect(claims.ci_config_ref_uri).toMatch(/@refs\/heads\/other$/)
  })

  it('distinguishes jobs by sequence and marks gitlab.com runners gitlab-hosted', () => {
    const one = buildCiClaims({}, { ...context, sequence: 1 })
    const two = buildCiClaims({}, { ...context, sequence: 2 })
    expect(one.job_id).not.toBe(two.job_id)
    expect(one.pipeline_id).not.toBe(two.pipeline_id)
    expect(buildCiClaims({}, { ...context, issuer: 'https://gitlab.com' })).toMatchObject({
      runner_environment: 'gitlab-hosted',
      ci_config_ref_uri: 'gitlab.com/my-group/my-project//.gitlab-ci.yml@refs/heads/main',
    })
  })
})

describe('helpers', () => {
  it('stableId gives decimal strings of the requested width', () => {
    expect(stableId('project', 'a/b')).toMatch(/^[1-9]\d{7}$/)
    expect(stableId('pipeline', 'x', 10)).toMatch(/^[1-9]\d{9}$/)
  })

  it('serverFqdn follows build_server_fqdn (host, non-default port, relative root, no scheme)', () => {
    expect(serverFqdn('https://gitlab.com')).toBe('gitlab.com')
    expect(serverFqdn('https://acme.com:9090/gitlab/')).toBe('acme.com:9090/gitlab')
    expect(serverFqdn('https://acme.com:443')).toBe('acme.com')
    expect(serverFqdn('gitlab.com')).toBe('gitlab.com')
  })

  it('guessDeploymentTier follows Environment#guess_tier', () => {
    expect(guessDeploymentTier('production')).toBe('production')
    expect(guessDeploymentTier('live')).toBe('production')
    expect(guessDeploymentTier('staging')).toBe('staging')
    expect(guessDeploymentTier('qa')).toBe('testing')
    expect(guessDeploymentTier('review/x')).toBe('development')
    expect(guessDeploymentTier('canary')).toBe('other')
  })

  it('applyOverrides appends unknown claims after the derived ones', () => {
    expect(Object.keys(applyOverrides({ a: 1, b: 2 }, { c: 3, a: 9, b: undefined }))).toEqual([
      'a',
      'c',
    ])
  })
})
