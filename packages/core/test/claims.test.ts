import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  ARRAY_CLAIMS,
  BOOLEAN_CLAIMS,
  CASE_INSENSITIVE_CLAIMS,
  CLAIMS,
  CLAIM_NAMES,
  ID_CLAIMS,
  claimType,
} from '../src/claims.js'

interface Schema {
  $defs: Record<string, { enum?: string[]; anyOf?: { enum?: string[] }[] }> & {
    claimName: { enum: string[] }
    rule: { properties: { match: { properties: Record<string, { $ref: string }> } } }
  }
}
const schema = JSON.parse(
  readFileSync(new URL('../policy.schema.json', import.meta.url), 'utf8'),
) as Schema

describe('the claim table', () => {
  it('lists the claims in GitLab payload order, one row each', () => {
    expect(CLAIM_NAMES).toEqual(Object.keys(CLAIMS))
    expect(CLAIM_NAMES.slice(0, 7)).toEqual(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti'])
    expect(Object.isFrozen(CLAIMS)).toBe(true)
    expect(Object.isFrozen(CLAIMS.ref_type)).toBe(true)
  })

  it('keeps policy.schema.json claimName enum equal to the table', () => {
    expect(schema.$defs.claimName.enum).toEqual([...CLAIM_NAMES])
  })

  it('gives policy.schema.json a value-checked matcher for every boolean and closed-set claim', () => {
    const typed = schema.$defs.rule.properties.match.properties
    const expected: Record<string, { $ref: string }> = {}
    for (const name of CLAIM_NAMES) {
      const { type, values } = CLAIMS[name]
      if (type === 'boolean') expected[name] = { $ref: '#/$defs/booleanMatcher' }
      else if (values !== undefined) {
        expected[name] = { $ref: `#/$defs/${name}Matcher` }
        expect(schema.$defs[`${name}Matcher`]?.anyOf?.[0]?.enum, name).toEqual([...values])
      }
    }
    expect(typed).toEqual(expected)
    expect(schema.$defs.booleanMatcher?.anyOf?.[1]?.enum).toEqual(['true', 'false', ''])
  })

  it('derives the case-insensitive claims: every path claim and groups_direct', () => {
    expect([...CASE_INSENSITIVE_CLAIMS].sort()).toEqual(
      [
        'groups_direct',
        'job_namespace_path',
        'job_project_path',
        'namespace_path',
        'project_path',
        'source_namespace_path',
        'source_project_path',
      ].sort(),
    )
  })

  it('derives ID, boolean and array claims', () => {
    expect([...ID_CLAIMS].sort()).toEqual(
      [
        'job_id',
        'job_namespace_id',
        'job_project_id',
        'namespace_id',
        'pipeline_id',
        'project_id',
        'source_namespace_id',
        'source_project_id',
        'user_id',
      ].sort(),
    )
    expect([...BOOLEAN_CLAIMS]).toEqual(['ref_protected', 'environment_protected'])
    expect([...ARRAY_CLAIMS]).toEqual(['aud', 'user_identities', 'groups_direct'])
  })

  it('gives every claim its JSON type; runner_id is the only numeric ID', () => {
    expect(claimType('project_id')).toBe('id')
    expect(claimType('runner_id')).toBe('number')
    expect(claimType('aud')).toBe('audience')
    expect(claimType('exp')).toBe('numeric-date')
    expect(claimType('job_config')).toBe('object')
    expect(claimType('nope')).toBeUndefined()
    expect(claimType('constructor')).toBeUndefined()
    expect(claimType('__proto__')).toBeUndefined()
  })

  it('pins tenants only through IDs, paths, the config URI and sub; iss scopes the issuer', () => {
    const pins = Object.fromEntries(
      CLAIM_NAMES.flatMap((name) => {
        const pin = CLAIMS[name].pin
        return pin === undefined ? [] : [[name, pin]]
      }),
    )
    expect(pins).toEqual({
      iss: 'issuer',
      sub: 'sub',
      namespace_id: 'id',
      namespace_path: 'path',
      project_id: 'id',
      project_path: 'path',
      job_project_id: 'id',
      job_project_path: 'path',
      job_namespace_id: 'id',
      job_namespace_path: 'path',
      ci_config_ref_uri: 'config-uri',
    })
  })

  it('records since-versions as major.minor and closed value sets', () => {
    for (const name of CLAIM_NAMES) {
      const { since, presence } = CLAIMS[name]
      if (since === undefined) expect(presence).toBe('unconfirmed')
      else expect(since).toMatch(/^\d+\.\d+$/)
    }
    expect(CLAIMS.ref_type.values).toEqual(['branch', 'tag'])
    expect(CLAIMS.job_project_id.since).toBe('18.4')
    expect(CLAIMS.ci_config_ref_uri.presence).toBe('config-source')
  })
})
