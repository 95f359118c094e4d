import { describe, expect, it } from 'vitest'
import { checkAudience, checkCiToken, checkTime } from '../src/claim-checks.js'

const accepted = new Set(['https://deploy.example.com', 'https://other.example.com'])

describe('checkAudience', () => {
  it('puts what the token carried and what is accepted in details', () => {
    expect(() => checkAudience(['x', 'y'], accepted)).toThrow(
      expect.objectContaining({ details: { received: ['x', 'y'], accepted: [...accepted] } }),
    )
  })

  it.each([
    ['a string', 'https://deploy.example.com'],
    ['an array containing it', ['https://vault.example.com', 'https://other.example.com']],
  ])('accepts %s', (_name, aud) => {
    expect(() => checkAudience(aud, accepted)).not.toThrow()
  })

  it.each([
    ['a missing aud', undefined],
    ['another audience', 'https://vault.example.com'],
    ['a prefix', 'https://deploy.example'],
    ['a superstring', 'https://deploy.example.com/x'],
    ['a case variant', 'https://DEPLOY.example.com'],
    ['an empty array', []],
    ['a nested array', [['https://deploy.example.com']]],
    ['an object', { aud: 'https://deploy.example.com' }],
    ['a number', 42],
  ])('refuses %s with ERR_AUDIENCE_MISMATCH', (_name, aud) => {
    expect(() => checkAudience(aud, accepted)).toThrow(
      expect.objectContaining({ code: 'ERR_AUDIENCE_MISMATCH', status: 401 }),
    )
  })
})

describe('checkCiToken', () => {
  const ci = {
    sub: 'project_path:g/p:ref_type:branch:ref:main',
    project_id: '1',
    job_id: '2',
    pipeline_id: '3',
  }

  it('accepts a CI job token, whatever the sub components after project_path', () => {
    expect(() => checkCiToken(ci)).not.toThrow()
    expect(() => checkCiToken({ ...ci, sub: 'project_path:g/p' })).not.toThrow()
  })

  // ci_id_token_sub_claim_components: any documented first component, later ones in any order,
  // nil components dropped (jwt_v2.rb; MR !258245).
  it.each([
    'project_path:g/p:ref_type:tag:ref:v1',
    'project_path:g/p:ref:main:ref_type:branch',
    'project_path:g/p:ref_type:branch:ref:main:ref_protected:true:deployment_tier:production',
    'job_project_path:g/parent:ref_type:branch:ref:main',
    'job_project_id:42:ref:main',
    'source_project_path:g/fork:ref_type:branch:ref:feature',
    'source_project_id:43',
  ])('accepts the sub form %s', (sub) => {
    expect(() => checkCiToken({ ...ci, sub })).not.toThrow()
  })

  it.each([
    ['a Secrets Manager user token', { ...ci, sub: 'user:jdoe' }],
    ['a global Secrets Manager token', { ...ci, sub: 'gitlab_secrets_manager' }],
    ['a pipeline Secrets Manager token', { ...ci, secrets_manager_scope: 'pipeline' }],
    ['a sub naming no project first', { ...ci, sub: 'ref_type:branch:ref:main' }],
    ['an empty first component', { ...ci, sub: 'project_path::ref:main' }],
    ['a lookalike prefix', { ...ci, sub: 'project_pathx:g/p' }],
  ])('refuses %s with ERR_NOT_A_CI_TOKEN', (_name, payload) => {
    expect(() => checkCiToken(payload)).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_A_CI_TOKEN', status: 401 }),
    )
  })

  it('names the missing evidence in details', () => {
    expect(() => checkCiToken({ sub: '1234', project_id: '1' })).toThrow(
      expect.objectContaining({ details: { missing: ['sub', 'job_id', 'pipeline_id'] } }),
    )
    expect(() => checkCiToken({ ...ci, secrets_manager_scope: 'pipeline' })).toThrow(
      expect.objectContaining({ details: { missing: [], unexpected: ['secrets_manager_scope'] } }),
    )
  })

  it.each([
    ['a user-login token (numeric sub)', { ...ci, sub: '1234' }],
    ['a legacy CI_JOB_JWT sub', { ...ci, sub: 'job_1435082056' }],
    ['no project_id', { ...ci, project_id: undefined }],
    ['no job_id', { ...ci, job_id: undefined }],
    ['no pipeline_id', { ...ci, pipeline_id: undefined }],
    ['an empty project_id', { ...ci, project_id: '' }],
    ['a numeric job_id', { ...ci, job_id: 2 }],
  ])('refuses %s with ERR_NOT_A_CI_TOKEN', (_name, payload) => {
    expect(() => checkCiToken(payload)).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_A_CI_TOKEN', status: 401 }),
    )
  })
})

describe('checkTime', () => {
  const now = 1_800_000_000
  const rules = { clockTolerance: 30, maxTokenAge: undefined }
  const token = { iat: now - 10, nbf: now - 15, exp: now + 3590 }
  const code = (c: string) => expect.objectContaining({ code: c, status: 401 })

  it('accepts a current token and tolerates skew', () => {
    expect(() => checkTime(token, now, rules)).not.toThrow()
    expect(() => checkTime({ ...token, exp: now - 29 }, now, rules)).not.toThrow()
    expect(() => checkTime({ ...token, nbf: now + 29, iat: now + 29 }, now, rules)).not.toThrow()
  })

  it('refuses an expired token, exactly at exp + tolerance (RFC 7519 §4.1.4)', () => {
    expect(() => checkTime({ ...token, exp: now - 30 }, now, rules)).toThrow(
      code('ERR_TOKEN_EXPIRED'),
    )
  })

  it('refuses nbf and iat beyond the tolerance in the future', () => {
    expect(() => checkTime({ ...token, nbf: now + 31 }, now, rules)).toThrow(
      code('ERR_TOKEN_NOT_YET_VALID'),
    )
    expect(() => checkTime({ ...token, iat: now + 31 }, now, rules)).toThrow(
      code('ERR_TOKEN_NOT_YET_VALID'),
    )
  })

  it('puts the failing claim and the clock in details', () => {
    expect(() => checkTime({ ...token, exp: now - 30 }, now, rules)).toThrow(
      expect.objectContaining({
        details: { claim: 'exp', value: now - 30, now, clockTolerance: 30 },
      }),
    )
    expect(() => checkTime({ ...token, nbf: now + 31 }, now, rules)).toThrow(
      expect.objectContaining({
        details: { claim: 'nbf', value: now + 31, now, clockTolerance: 30 },
      }),
    )
    const strict = { clockTolerance: 0, maxTokenAge: 300 }
    expect(() => checkTime({ ...token, iat: now - 301 }, now, strict)).toThrow(
      expect.objectContaining({
        details: { claim: 'iat', value: now - 301, now, clockTolerance: 0, maxTokenAge: 300 },
      }),
    )
  })

  it('enforces maxTokenAge from iat', () => {
    const strict = { clockTolerance: 0, maxTokenAge: 300 }
    expect(() => checkTime({ ...token, iat: now - 300 }, now, strict)).not.toThrow()
    expect(() => checkTime({ ...token, iat: now - 301 }, now, strict)).toThrow(
      code('ERR_TOKEN_TOO_OLD'),
    )
  })

  it.each(['exp', 'nbf', 'iat'])('requires a numeric %s (GitLab always sends it)', (claim) => {
    expect(() => checkTime({ ...token, [claim]: undefined }, now, rules)).toThrow(
      code('ERR_TOKEN_MALFORMED'),
    )
    expect(() => checkTime({ ...token, [claim]: String(now) }, now, rules)).toThrow(
      code('ERR_TOKEN_MALFORMED'),
    )
    expect(() => checkTime({ ...token, [claim]: Number.NaN }, now, rules)).toThrow(
      code('ERR_TOKEN_MALFORMED'),
    )
  })
})
