import { describe, expect, it } from 'vitest'

import {
  buildCiClaims,
  expandVariables,
  predefinedVariables,
  resolveVariables,
} from '../src/index.js'
import { slugify } from '../src/ci-variables.js'

describe('expandVariables', () => {
  it('expands $VAR, ${VAR} and %VAR%', () => {
    const vars = { HOST: 'vault.example.com', PORT: '8200' }
    expect(expandVariables('https://$HOST:${PORT}/%HOST%', vars)).toBe(
      'https://vault.example.com:8200/vault.example.com',
    )
  })

  it('replaces unknown variables with the empty string, as GitLab does', () => {
    expect(expandVariables('https://$MISSING/x', {})).toBe('https:///x')
    expect(expandVariables('${}', {})).toBe('')
  })

  it('leaves text without references alone and does not expand twice', () => {
    expect(expandVariables('https://example.com/$', {})).toBe('https://example.com/$')
    expect(expandVariables('$A', { A: '$B', B: 'x' })).toBe('$B')
  })

  it('does not read inherited object properties', () => {
    expect(expandVariables('$constructor$toString', {})).toBe('')
  })
})

describe('resolveVariables', () => {
  it('lets later layers win and expands references between variables', () => {
    expect(resolveVariables([{ HOST: 'a', AUD: 'https://$HOST' }, { HOST: 'b' }])).toEqual({
      HOST: 'b',
      AUD: 'https://b',
    })
  })

  it('keeps expand: false values raw and survives cycles', () => {
    const resolved = resolveVariables([
      { RAW: { value: '$HOST', expand: false }, HOST: 'h', A: '$B', B: '$A' },
    ])
    expect(resolved.RAW).toBe('$HOST')
    expect(resolved.HOST).toBe('h')
    expect(typeof resolved.A).toBe('string')
  })
})

describe('predefinedVariables', () => {
  it('derives CI_* variables from the claims', () => {
    const claims = buildCiClaims(
      { project_path: 'acme/widget', ref: 'feature/X', environment: 'review/x' },
      { issuer: 'https://gitlab.example.com', now: 0, expiresIn: 60, audience: 'a' },
    )
    expect(predefinedVariables(claims, 'deploy', 'https://gitlab.example.com')).toMatchObject({
      CI_SERVER_URL: 'https://gitlab.example.com',
      CI_SERVER_HOST: 'gitlab.example.com',
      CI_PROJECT_PATH: 'acme/widget',
      CI_PROJECT_NAME: 'widget',
      CI_PROJECT_NAMESPACE: 'acme',
      CI_PROJECT_ID: claims.project_id,
      CI_COMMIT_REF_NAME: 'feature/X',
      CI_COMMIT_REF_SLUG: 'feature-x',
      CI_COMMIT_BRANCH: 'feature/X',
      CI_JOB_NAME: 'deploy',
      CI_JOB_ID: claims.job_id,
      CI_ENVIRONMENT_NAME: 'review/x',
    })
  })

  it('sets CI_COMMIT_TAG for tags', () => {
    const claims = buildCiClaims(
      { ref: 'v1', ref_type: 'tag' },
      { issuer: 'https://g', now: 0, expiresIn: 1, audience: 'a' },
    )
    const vars = predefinedVariables(claims, 'j', 'https://g')
    expect(vars.CI_COMMIT_TAG).toBe('v1')
    expect(vars).not.toHaveProperty('CI_COMMIT_BRANCH')
  })

  it('slugify follows CI_COMMIT_REF_SLUG rules', () => {
    expect(slugify('Feature/ABC_1')).toBe('feature-abc-1')
    expect(slugify(`-${'a'.repeat(70)}`)).toHaveLength(62)
  })
})
