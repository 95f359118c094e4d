import { readFileSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import { CLAIM_NAMES } from '../src/claims.js'
import type { GitlabIdTokenClaims } from '../src/claims.js'
import { compilePolicy, evaluatePolicy } from '../src/policy.js'
import type { Matcher, Policy } from '../src/policy-types.js'
import { expectConfigError } from './fixtures.js'

// A job token as gitlab.com sends it: IDs and booleans as strings, runner_id a number.
const BASE = {
  iss: 'https://gitlab.com',
  sub: 'project_path:platform/deployer:ref_type:branch:ref:main',
  aud: 'https://deploy.example.com',
  exp: 1_900_000_300,
  iat: 1_900_000_000,
  nbf: 1_899_999_995,
  jti: 'b1c2d3',
  namespace_id: '7',
  namespace_path: 'platform',
  project_id: '42',
  project_path: 'platform/deployer',
  user_id: '1',
  user_login: 'alice',
  user_email: 'alice@example.com',
  pipeline_id: '100',
  pipeline_source: 'push',
  job_id: '200',
  ref: 'main',
  ref_type: 'branch',
  ref_path: 'refs/heads/main',
  ref_protected: 'true',
  environment: 'production',
  environment_protected: 'true',
  runner_id: 12,
  runner_environment: 'gitlab-hosted',
  project_visibility: 'private',
  ci_config_ref_uri: 'gitlab.com/platform/deployer//.gitlab-ci.yml@refs/heads/main',
} satisfies GitlabIdTokenClaims

function claims(overrides: Record<string, unknown> = {}): GitlabIdTokenClaims {
  return { ...BASE, ...overrides }
}

/** Whether a single pinned rule `{ project_id: '42', [claim]: matcher }` allows `overrides`. */
function allows(match: Record<string, Matcher>, overrides: Record<string, unknown> = {}): boolean {
  return evaluatePolicy({ allow: [{ match: { project_id: '42', ...match } }] }, claims(overrides))
    .allowed
}

describe('case rules', () => {
  it('paths compare ignoring case', () => {
    expect(allows({ project_path: 'Platform/Deployer' })).toBe(true)
    expect(allows({ namespace_path: 'PLATFORM' })).toBe(true)
    expect(
      allows({ job_project_path: 'platform/deployer' }, { job_project_path: 'Platform/Deployer' }),
    ).toBe(true)
    expect(allows({ job_namespace_path: 'platform' }, { job_namespace_path: 'PlatForm' })).toBe(
      true,
    )
    expect(allows({ groups_direct: 'Platform' }, { groups_direct: ['platform', 'other'] })).toBe(
      true,
    )
  })

  it('sub, ref, environment and ci_config_ref_uri compare case-sensitively', () => {
    expect(allows({ sub: BASE.sub.toUpperCase() })).toBe(false)
    expect(allows({ ref: 'Main' })).toBe(false)
    expect(allows({ environment: 'Production' })).toBe(false)
    expect(
      allows({ ci_config_ref_uri: BASE.ci_config_ref_uri.replace('platform', 'Platform') }),
    ).toBe(false)
    expect(allows({ sub: BASE.sub, ref: 'main', environment: 'production' })).toBe(true)
  })
})

describe('globs', () => {
  it('platform/** matches subpaths but not platform itself', () => {
    const rule = { namespace_path: { glob: 'platform/**' } }
    expect(allows(rule, { namespace_path: 'platform/a' })).toBe(true)
    expect(allows(rule, { namespace_path: 'platform/a/b' })).toBe(true)
    expect(allows(rule, { namespace_path: 'platform' })).toBe(false)
  })

  it("['platform', { glob: 'platform/**' }] matches the group and its subgroups", () => {
    const rule = { namespace_path: ['platform', { glob: 'platform/**' }] as Matcher }
    for (const path of ['platform', 'platform/a', 'platform/a/b']) {
      expect(allows(rule, { namespace_path: path })).toBe(true)
    }
    expect(allows(rule, { namespace_path: 'platformer' })).toBe(false)
  })

  it('* does not cross /, ? is one character, metacharacters are literal', () => {
    expect(allows({ ref: { glob: 'release/*' } }, { ref: 'release/1.2' })).toBe(true)
    expect(allows({ ref: { glob: 'release/*' } }, { ref: 'release/1/2' })).toBe(false)
    expect(allows({ ref: { glob: 'v?' } }, { ref: 'v1' })).toBe(true)
    expect(allows({ ref: { glob: 'v?' } }, { ref: 'v10' })).toBe(false)
    expect(allows({ ref: { glob: 'v1.0' } }, { ref: 'v1x0' })).toBe(false)
    expect(allows({ ref: { glob: 'v1.0+(rc)' } }, { ref: 'v1.0+(rc)' })).toBe(true)
  })
})

describe('numbers and booleans', () => {
  it("project_id '42' and 42 both match GitLab's \"42\"", () => {
    expect(evaluatePolicy({ allow: [{ match: { project_id: 42 } }] }, claims()).allowed).toBe(true)
    expect(evaluatePolicy({ allow: [{ match: { project_id: '42' } }] }, claims()).allowed).toBe(
      true,
    )
    expect(evaluatePolicy({ allow: [{ match: { project_id: 4 } }] }, claims()).allowed).toBe(false)
  })

  it("runner_id 12 and '12' both match the number 12", () => {
    expect(allows({ runner_id: 12 })).toBe(true)
    expect(allows({ runner_id: '12' })).toBe(true)
    expect(allows({ runner_id: 13 })).toBe(false)
  })

  it('booleans match "true"/"false"; "" (unknown) matches neither', () => {
    expect(allows({ ref_protected: true })).toBe(true)
    expect(allows({ ref_protected: false })).toBe(false)
    expect(allows({ ref_protected: false }, { ref_protected: 'false' })).toBe(true)
    expect(allows({ ref_protected: true }, { ref_protected: '' })).toBe(false)
    expect(allows({ ref_protected: false }, { ref_protected: '' })).toBe(false)
    expect(allows({ ref_protected: '' }, { ref_protected: '' })).toBe(true)
  })
})

describe('arrays, absent and null claims', () => {
  it('an aud array matches when any element does', () => {
    const aud = ['https://other.example', 'https://deploy.example.com']
    expect(allows({ aud: 'https://deploy.example.com' }, { aud })).toBe(true)
    expect(allows({ aud: 'https://third.example' }, { aud })).toBe(false)
  })

  it('groups_direct matches on any group', () => {
    expect(
      allows({ groups_direct: { glob: 'platform/**' } }, { groups_direct: ['a', 'platform/ops'] }),
    ).toBe(true)
    expect(allows({ groups_direct: 'platform' }, { groups_direct: [] })).toBe(false)
  })

  it('an absent or null claim never matches', () => {
    expect(allows({ environment: 'production' }, { environment: undefined })).toBe(false)
    expect(allows({ user_login: { glob: '**' } }, { user_login: null })).toBe(false)
    expect(allows({ ci_config_ref_uri: { regex: '.*' } }, { ci_config_ref_uri: null })).toBe(false)
    expect(allows({ ref_path: '' }, { ref_path: null })).toBe(false)
  })
})

describe('function matchers', () => {
  it('are called once per element when allowed, and never for an absent claim', () => {
    const onAud = vi.fn((value: unknown, _claims: unknown) => value === 'b')
    const onEnv = vi.fn(() => true)
    const compiled = compilePolicy({
      allow: [
        { match: { project_id: '42', aud: onAud } },
        { match: { project_id: '42', environment: onEnv } },
      ],
    })
    const decision = compiled.decide(claims({ aud: ['a', 'b'], environment: undefined }))
    expect(decision.rules).toEqual(['allow[0]'])
    expect(onAud.mock.calls.map(([value]) => value)).toEqual(['a', 'b'])
    expect(onAud.mock.calls[0]?.[1]).toMatchObject({ project_id: '42' })
    expect(onEnv).not.toHaveBeenCalled()
  })

  it('are not called again while building denial reasons', () => {
    const fn = vi.fn(() => false)
    const compiled = compilePolicy({
      allow: [{ match: { project_id: '42', ref: fn, environment: 'x' } }],
    })
    const decision = compiled.decide(claims())
    expect(fn).toHaveBeenCalledTimes(1)
    expect(decision.reasons[0]?.failures.map((f) => f.claim)).toEqual(['ref', 'environment'])
  })

  it('may re-enter decide() on the same compiled policy without corrupting the outer decision', () => {
    const compiled = compilePolicy({
      allow: [
        { name: 'a', match: { project_id: '42', environment: 'production' }, grants: ['a'] },
        {
          name: 'b',
          match: {
            project_id: '42',
            ref: (_value, c) => {
              if (c.environment === 'production') {
                expect(compiled.decide({ ...c, environment: 'staging' }).rules).toEqual(['b'])
              }
              return true
            },
          },
          grants: ['b'],
        },
      ],
    })
    expect(compiled.decide(claims({ environment: 'staging' })).rules).toEqual(['b'])
    expect(compiled.decide(claims())).toMatchObject({ rules: ['a', 'b'], grants: ['a', 'b'] })
  })

  it('keeps working after a function matcher throws', () => {
    let armed = true
    const compiled = compilePolicy({
      allow: [
        {
          match: {
            project_id: '42',
            ref: () => {
              if (armed) throw new Error('boom')
              return false
            },
          },
        },
        { name: 'ok', match: { project_id: '42' } },
      ],
    })
    expect(() => compiled.decide(claims())).toThrow('boom')
    armed = false
    expect(compiled.decide(claims()).rules).toEqual(['ok'])
  })

  it('in a deny-rule denial, every allow rule entry is called once', () => {
    const fn = vi.fn(() => true)
    const compiled = compilePolicy({
      allow: [{ match: { project_id: '42', ref: fn } }],
      deny: [{ match: { pipeline_source: 'push' } }],
    })
    expect(compiled.decide(claims()).deniedBy).toBe('deny[0]')
    expect(fn).toHaveBeenCalledTimes(1)
  })
})

describe('deny rules, grants and rule names', () => {
  const policy: Policy = {
    allow: [
      {
        name: 'prod-deploy',
        match: { project_id: '42', ref_protected: true },
        grants: ['deploy', 'read'],
      },
      {
        match: { namespace_path: ['platform', { glob: 'platform/**' }] },
        grants: ['read', 'audit', 'read'],
      },
      { name: 'other', match: { project_id: '99' }, grants: ['admin'] },
    ],
    deny: [
      { name: 'no-mr', match: { pipeline_source: 'merge_request_event' } },
      { match: { ref: { glob: 'tmp/**' } } },
    ],
  }

  it('unions grants of every matching rule, deduplicated in order', () => {
    const decision = evaluatePolicy(policy, claims())
    expect(decision).toEqual({
      allowed: true,
      grants: ['deploy', 'read', 'audit'],
      rules: ['prod-deploy', 'allow[1]'],
      // Issue 9: an allowed decision still says why the other rules did not match.
      reasons: [
        {
          rule: 'other',
          grants: ['admin'],
          failures: [{ claim: 'project_id', expected: '"99"', actual: '42' }],
        },
      ],
    })
  })

  it('a single matching rule gives its own deduplicated grants; a one-rule policy its precomputed decision', () => {
    const compiled = compilePolicy(policy)
    const a = compiled.decide(claims({ ref_protected: 'false' }))
    expect(a.grants).toEqual(['read', 'audit'])
    expect(a.rules).toEqual(['allow[1]'])
    expect(a.reasons.map((r) => r.rule)).toEqual(['prod-deploy', 'other'])
    const single = compilePolicy({ allow: [{ match: { project_id: '42' }, grants: ['a', 'a'] }] })
    const b = single.decide(claims())
    expect(b).toEqual({ allowed: true, grants: ['a'], rules: ['allow[0]'], reasons: [] })
    expect(single.decide(claims({ ref: 'dev' }))).toBe(b)
  })

  it('the same tenant calling again reuses the frozen decision; another value gets its own reasons', () => {
    const compiled = compilePolicy({
      allow: [
        { name: 'group', match: { namespace_id: '7' } },
        { name: 'mine', match: { project_id: '42' } },
        { name: 'theirs', match: { project_id: '99' } },
      ],
    })
    const a = compiled.decide(claims({ namespace_id: '8' }))
    expect(a.rules).toEqual(['mine'])
    expect(compiled.decide(claims({ namespace_id: '8', ref: 'dev' }))).toBe(a)
    const other = compiled.decide(claims({ namespace_id: '9' }))
    expect(other.rules).toEqual(['mine'])
    expect(other.reasons.map((r) => r.failures[0]?.actual)).toEqual(['9', '42'])
    const again = compiled.decide(claims({ namespace_id: '8' }))
    expect(again).not.toBe(other)
    expect(again).toEqual(a)
    // The pin held but another entry failed: nothing is reused (that entry may be a function).
    const held = compilePolicy(policy)
    const b = held.decide(claims({ ref_protected: 'false' }))
    expect(held.decide(claims({ ref_protected: 'false' }))).not.toBe(b)
  })

  it('every rule matching returns one precomputed decision', () => {
    const compiled = compilePolicy({
      allow: [
        { match: { project_id: '42' }, grants: ['a'] },
        { match: { namespace_id: '7' }, grants: ['b'] },
      ],
    })
    const a = compiled.decide(claims())
    expect(a).toEqual({
      allowed: true,
      grants: ['a', 'b'],
      rules: ['allow[0]', 'allow[1]'],
      reasons: [],
    })
    expect(compiled.decide(claims({ ref: 'dev' }))).toBe(a)
  })

  it('any matching deny rule wins and names the first one; grants are empty', () => {
    const decision = evaluatePolicy(
      policy,
      claims({ pipeline_source: 'merge_request_event', ref: 'tmp/x' }),
    )
    expect(decision.allowed).toBe(false)
    expect(decision.deniedBy).toBe('no-mr')
    expect(decision.grants).toEqual([])
    expect(decision.rules).toEqual(['prod-deploy', 'allow[1]'])
    expect(decision.reasons.map((r) => r.rule)).toEqual(['other'])
    expect(evaluatePolicy(policy, claims({ ref: 'tmp/x' })).deniedBy).toBe('deny[1]')
  })

  it('an allowed decision has no deniedBy key', () => {
    expect(Object.keys(evaluatePolicy(policy, claims()))).toEqual([
      'allowed',
      'grants',
      'rules',
      'reasons',
    ])
  })

  it('a rule without grants contributes none', () => {
    expect(evaluatePolicy({ allow: [{ match: { project_id: '42' } }] }, claims()).grants).toEqual(
      [],
    )
  })
})

describe('reasons', () => {
  it('list, for each allow rule that did not match, every failing claim with expected and actual', () => {
    const policy: Policy = {
      allow: [
        {
          name: 'prod',
          match: {
            project_id: '43',
            ref: { glob: 'release/*' },
            ref_protected: true,
            environment: 'staging',
          },
        },
        { match: { namespace_path: { glob: 'infra/**' } } },
      ],
    }
    // Issue 8: a failed pin is the whole reason; the rest of the rule never runs for a stranger.
    expect(evaluatePolicy(policy, claims({ environment: undefined }))).toEqual({
      allowed: false,
      grants: [],
      rules: [],
      reasons: [
        {
          rule: 'prod',
          grants: [],
          failures: [{ claim: 'project_id', expected: '"43"', actual: '42' }],
        },
        {
          rule: 'allow[1]',
          grants: [],
          failures: [{ claim: 'namespace_path', expected: 'glob "infra/**"', actual: 'platform' }],
        },
      ],
    })
    // The rule's own tenant (the pin holds) learns every failing claim.
    expect(evaluatePolicy(policy, claims({ project_id: '43', environment: undefined }))).toEqual({
      allowed: false,
      grants: [],
      rules: [],
      reasons: [
        {
          rule: 'prod',
          grants: [],
          failures: [
            { claim: 'ref', expected: 'glob "release/*"', actual: 'main' },
            { claim: 'environment', expected: '"staging"', actual: undefined },
          ],
        },
        {
          rule: 'allow[1]',
          grants: [],
          failures: [{ claim: 'namespace_path', expected: 'glob "infra/**"', actual: 'platform' }],
        },
      ],
    })
  })

  it('everything returned is frozen', () => {
    const denied = evaluatePolicy({ allow: [{ match: { project_id: '1' } }] }, claims())
    const allowed = evaluatePolicy(
      { allow: [{ match: { project_id: '42' } }, { match: { namespace_id: '7' } }] },
      claims(),
    )
    for (const decision of [denied, allowed]) {
      expect(Object.isFrozen(decision)).toBe(true)
      expect(Object.isFrozen(decision.grants)).toBe(true)
      expect(Object.isFrozen(decision.rules)).toBe(true)
      expect(Object.isFrozen(decision.reasons)).toBe(true)
    }
    expect(Object.isFrozen(denied.reasons[0])).toBe(true)
    expect(Object.isFrozen(denied.reasons[0]?.failures)).toBe(true)
    expect(Object.isFrozen(denied.reasons[0]?.failures[0])).toBe(true)
  })
})

describe('config errors', () => {
  it('allow is required and non-empty', () => {
    expect(expectConfigError(() => evaluatePolicy({ allow: [] }, claims())).message).toMatch(
      /policy\.allow must be a non-empty array/,
    )
    expectConfigError(() => evaluatePolicy({} as Policy, claims()))
    expectConfigError(() => evaluatePolicy(null as unknown as Policy, claims()))
    expectConfigError(() =>
      compilePolicy({ allow: [{ match: { project_id: '1' } }], deny: {} } as unknown as Policy),
    )
  })

  it('an unknown claim name lists the known ones', () => {
    const error = expectConfigError(() =>
      compilePolicy({ allow: [{ match: { projct_id: '42' } as never }] }),
    )
    expect(error.message).toMatch(/allow\[0\]\.match: unknown claim "projct_id"/)
    for (const name of CLAIM_NAMES) expect(error.message).toContain(name)
  })

  it('rejects empty matcher arrays, bad matchers and invalid regexes with their location', () => {
    expect(
      expectConfigError(() => compilePolicy({ allow: [{ match: { project_id: [] } }] })).message,
    ).toMatch(/allow\[0\]\.match\.project_id: an empty matcher array/)
    expect(
      expectConfigError(() =>
        compilePolicy({ allow: [{ match: { project_id: '1', ref: { regex: '[' } } }] }),
      ).message,
    ).toMatch(/allow\[0\]\.match\.ref: invalid regex/)
    expectConfigError(() =>
      compilePolicy({ allow: [{ match: { project_id: undefined } as never }] }),
    )
    expectConfigError(() =>
      compilePolicy({ allow: [{ match: { project_id: { glob: 42 } } as never }] }),
    )
    expectConfigError(() =>
      compilePolicy({
        allow: [{ match: { project_id: '1' } }],
        deny: [{ match: { ref: {} } as never }],
      }),
    )
  })

  it('validates rule shapes', () => {
    const bad: unknown[] = [
      null,
      'rule',
      { match: {} },
      { match: [] },
      { name: '', match: { project_id: '1' } },
      { name: 3, match: { project_id: '1' } },
      { match: { project_id: '1' }, grants: 'deploy' },
      { match: { project_id: '1' }, grants: [1] },
      { match: { project_id: '1' }, grant: ['deploy'] },
    ]
    for (const rule of bad) expectConfigError(() => compilePolicy({ allow: [rule as never] }))
  })

  it('rejects unknown policy keys, with a hint for allowAnyProject', () => {
    const policy = {
      allow: [{ match: { ref: 'main' } }],
      allowAnyProject: true,
    } as unknown as Policy
    expect(expectConfigError(() => compilePolicy(policy)).message).toMatch(/verifier option/)
    expectConfigError(() =>
      compilePolicy({ allow: [{ match: { project_id: '1' } }], alow: [] } as unknown as Policy),
    )
  })

  it('rejects a non-boolean allowAnyProject and non-object claims', () => {
    expectConfigError(() =>
      compilePolicy(
        { allow: [{ match: { project_id: '1' } }] },
        { allowAnyProject: 'yes' as never },
      ),
    )
    expectConfigError(() =>
      evaluatePolicy({ allow: [{ match: { project_id: '1' } }] }, null as never),
    )
  })
})

describe('matcher work is bounded by the pins (issue 8)', () => {
  it('deny rules run only once an allow rule matched', () => {
    const deny = vi.fn(() => true)
    const compiled = compilePolicy({
      allow: [{ match: { project_id: '42' } }],
      deny: [{ name: 'everything', match: { ref: deny } }],
    })
    const stranger = compiled.decide(claims({ project_id: '7' }))
    expect(stranger.deniedBy).toBeUndefined()
    expect(stranger.allowed).toBe(false)
    expect(deny).not.toHaveBeenCalled()
    expect(compiled.decide(claims()).deniedBy).toBe('everything')
    expect(deny).toHaveBeenCalledTimes(1)
  })

  it("a stranger's token runs no glob, regex or function of a pinned rule, not even for reasons", () => {
    const fn = vi.fn(() => true)
    const compiled = compilePolicy({
      allow: [
        { name: 'a', match: { environment: fn, ref: { regex: 'x' }, project_id: '42' } },
        { name: 'b', match: { sub: fn, namespace_path: ['platform', { glob: 'platform/**' }] } },
      ],
    })
    const decision = compiled.decide(claims({ project_id: '7', namespace_path: 'other' }))
    expect(fn).not.toHaveBeenCalled()
    expect(decision.reasons.map((r) => r.failures.map((f) => f.claim))).toEqual([
      ['project_id'],
      ['namespace_path'],
    ])
  })

  it('an exact iss is checked before the tenant pin', () => {
    const decision = evaluatePolicy(
      { allow: [{ match: { project_id: '1', iss: 'https://gitlab.example.com' } }] },
      claims(),
    )
    expect(decision.reasons[0]?.failures).toEqual([
      { claim: 'iss', expected: '"https://gitlab.example.com"', actual: 'https://gitlab.com' },
    ])
  })
})

describe('issuer scope options', () => {
  const pinned: Policy = { allow: [{ match: { project_id: '42' } }] }

  it('issuers is optional: without it, behaviour is as before', () => {
    expect(evaluatePolicy(pinned, claims()).allowed).toBe(true)
    expect(
      evaluatePolicy({ allow: [{ match: { ref_protected: true } }] }, claims(), {
        allowAnyProject: true,
      }).allowed,
    ).toBe(true)
  })

  it('with two issuers every allow rule pins iss; deny rules need not', () => {
    const issuers = ['https://gitlab.com', 'https://gitlab.example.com']
    expect(expectConfigError(() => compilePolicy(pinned, { issuers })).message).toMatch(
      /allow\[0\] does not pin iss/,
    )
    const scoped = compilePolicy(
      {
        allow: [{ match: { iss: 'https://gitlab.com', project_id: '42' } }],
        deny: [{ match: { ref: 'tmp' } }],
      },
      { issuers },
    )
    expect(scoped.decide(claims()).allowed).toBe(true)
    expect(scoped.decide(claims({ iss: 'https://gitlab.example.com' })).allowed).toBe(false)
  })

  it('allowAnyProject: true refuses the shared default issuer unless overridden', () => {
    const unpinned: Policy = { allow: [{ match: { ref_protected: true } }] }
    const issuers = ['https://gitlab.com']
    expectConfigError(() => compilePolicy(unpinned, { allowAnyProject: true, issuers }))
    expect(
      compilePolicy(unpinned, {
        allowAnyProject: true,
        allowAnyProjectOnSharedInstance: true,
        issuers,
      }).decide(claims()).allowed,
    ).toBe(true)
  })
})

describe('policy.schema.json', () => {
  const schema = JSON.parse(readFileSync(new URL('../policy.schema.json', import.meta.url), 'utf8'))

  it('is draft 2020-12 and enumerates exactly CLAIM_NAMES', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(schema.$defs.claimName.enum).toEqual([...CLAIM_NAMES])
    expect(schema.required).toEqual(['allow'])
    expect(Object.keys(schema.properties).sort()).toEqual([
      '$schema',
      'allow',
      'allowAnyProject',
      'allowAnyProjectOnSharedInstance',
      'deny',
    ])
  })

  it('describes allowAnyProject as loadOptionsFromEnv reads it: a boolean or { issuers }', () => {
    const { oneOf } = schema.properties.allowAnyProject
    expect(oneOf[0]).toEqual({ type: 'boolean' })
    expect(oneOf[1].required).toEqual(['issuers'])
    expect(oneOf[1].additionalProperties).toBe(false)
    expect(oneOf[1].properties.issuers).toMatchObject({ type: 'array', minItems: 1 })
    expect(schema.properties.allowAnyProjectOnSharedInstance.type).toBe('boolean')
  })
})
