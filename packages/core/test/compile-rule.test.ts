import { describe, expect, it, vi } from 'vitest'
import type { GitlabIdTokenClaims } from '../src/claims.js'
import { compileRule, firstFailure, reason, validateShape } from '../src/compile-rule.js'
import { configErrorMatching } from './fixtures.js'

const claims = {
  project_id: '42',
  project_path: 'Acme/Widget',
  ref_protected: 'false',
  environment: 'production',
} as unknown as GitlabIdTokenClaims

describe('compileRule', () => {
  it('names the rule, dedupes and freezes its grants, and precomputes its decision', () => {
    const rule = compileRule({ match: { project_id: 42 }, grants: ['a', 'b', 'a'] }, 'allow[3]')
    expect(rule.name).toBe('allow[3]')
    expect(rule.grants).toEqual(['a', 'b'])
    expect(Object.isFrozen(rule.grants)).toBe(true)
    expect(rule.single).toEqual({
      allowed: true,
      grants: ['a', 'b'],
      rules: ['allow[3]'],
      reasons: [],
    })
    expect(compileRule({ name: 'prod', match: { project_id: '1' } }, 'allow[0]').name).toBe('prod')
  })

  it.each([
    ['a non-object rule', 'x', /must be an object/],
    ['an unknown key', { match: { project_id: '1' }, grant: ['x'] }, /unknown key "grant"/],
    ['an empty name', { name: '', match: { project_id: '1' } }, /name must be a non-empty string/],
    ['an empty match', { match: {} }, /non-empty object/],
    [
      'an unknown claim, listing the known ones',
      { match: { projectid: '1' } },
      /unknown claim "projectid".*project_id/,
    ],
    [
      'non-string grants',
      { match: { project_id: '1' }, grants: [1] },
      /grants must be an array of strings/,
    ],
  ])('refuses %s', (_name, rule, message) => {
    expect(() => compileRule(rule as never, 'allow[0]')).toThrow(configErrorMatching(message))
  })
})

describe('firstFailure and reason', () => {
  const rule = compileRule(
    { match: { project_path: 'acme/widget', ref_protected: true, environment: 'staging' } },
    'allow[0]',
  )

  it('returns the index of the first failing entry, or -1', () => {
    expect(firstFailure(rule, claims)).toBe(1)
    expect(firstFailure(compileRule({ match: { project_path: 'ACME/widget' } }, 'a'), claims)).toBe(
      -1,
    )
  })

  it('lists every failing claim with expected and actual values once the pins hold', () => {
    expect(reason(rule, claims, 1)).toEqual({
      rule: 'allow[0]',
      grants: [],
      failures: [
        { claim: 'ref_protected', expected: expect.any(String), actual: 'false' },
        { claim: 'environment', expected: expect.any(String), actual: 'production' },
      ],
    })
    expect(reason(rule, claims, -1).failures).toEqual([])
  })

  it('orders entries pins first (iss, then tenant pins) and keeps the rest in policy order', () => {
    const ordered = compileRule(
      {
        match: {
          environment: 'production',
          project_path: 'acme/widget',
          ref: { glob: 'v*' },
          iss: 'https://gitlab.example.com',
          namespace_path: { glob: 'plat*' },
        },
      },
      'allow[0]',
    )
    expect(ordered.claims).toEqual(['iss', 'project_path', 'environment', 'ref', 'namespace_path'])
    expect(ordered.pins).toBe(2)
  })

  it('reports only the failed pin: the rest of the rule never runs for another tenant', () => {
    const fn = vi.fn(() => true)
    const pinned = compileRule(
      { match: { environment: fn, project_id: '7', ref: { glob: 'x' } }, grants: ['g'] },
      'allow[0]',
    )
    const failed = firstFailure(pinned, claims)
    expect(failed).toBe(0)
    expect(reason(pinned, claims, failed)).toEqual({
      rule: 'allow[0]',
      grants: ['g'],
      failures: [{ claim: 'project_id', expected: '"7"', actual: '42' }],
    })
    expect(fn).not.toHaveBeenCalled()
  })
})

describe('validateShape', () => {
  it.each([
    ['a non-object', null, /policy must be an object/],
    ['no allow', {}, /non-empty array/],
    ['an empty allow', { allow: [] }, /non-empty array/],
    [
      'a non-array deny',
      { allow: [{ match: { project_id: '1' } }], deny: {} },
      /deny must be an array/,
    ],
    ['allowAnyProject inside the policy', { allow: [], allowAnyProject: true }, /verifier option/],
  ])('refuses %s', (_name, policy, message) => {
    expect(() => validateShape(policy)).toThrow(configErrorMatching(message))
  })
})
