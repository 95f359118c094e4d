import { describe, expect, it } from 'vitest'
import type { ClaimName } from '../src/claims.js'
import type { GitlabIdTokenError } from '../src/errors.js'
import { compilePolicy } from '../src/policy.js'
import type { Matcher, Rule } from '../src/policy-types.js'
import { TENANT_PIN_CLAIMS, assertTenantPinned, isTenantPin } from '../src/tenant-pin.js'
import { expectConfigError } from './fixtures.js'

const ID_CLAIMS = ['project_id', 'namespace_id', 'job_project_id', 'job_namespace_id'] as const
const PATH_CLAIMS = [
  'project_path',
  'namespace_path',
  'job_project_path',
  'job_namespace_path',
] as const

function refused(rule: Rule): GitlabIdTokenError {
  return expectConfigError(() => assertTenantPinned(rule, 'allow[0]'))
}

describe('isTenantPin', () => {
  it('lists the ten pin claims', () => {
    expect([...TENANT_PIN_CLAIMS].sort()).toEqual(
      [...ID_CLAIMS, ...PATH_CLAIMS, 'ci_config_ref_uri', 'sub'].sort(),
    )
  })

  it.each(TENANT_PIN_CLAIMS.map((claim) => [claim]))(
    '%s is pinned by a non-empty exact string',
    (claim) => {
      expect(isTenantPin(claim, 'platform/deployer')).toBe(true)
      expect(isTenantPin(claim, '')).toBe(false)
    },
  )

  it.each(ID_CLAIMS.map((claim) => [claim]))('%s is pinned by a number', (claim) => {
    expect(isTenantPin(claim, 42)).toBe(true)
  })

  it('numbers pin only the *_id claims', () => {
    expect(isTenantPin('project_path', 42)).toBe(false)
    expect(isTenantPin('sub', 42)).toBe(false)
  })

  it.each(PATH_CLAIMS.map((claim) => [claim]))(
    '%s is pinned by a glob that starts with a whole top-level group',
    (claim) => {
      for (const glob of ['platform/**', 'platform/*', 'platform/infra-*', 'platform/?x']) {
        expect(isTenantPin(claim, { glob })).toBe(true)
      }
      for (const glob of ['plat*', 'platform*', '*/x', '**', '*', '?latform/x', '/x/**', '**/x']) {
        expect(isTenantPin(claim, { glob })).toBe(false)
      }
    },
  )

  it('ci_config_ref_uri globs need the host and the first segment', () => {
    expect(isTenantPin('ci_config_ref_uri', { glob: 'gitlab.com/acme/**' })).toBe(true)
    expect(isTenantPin('ci_config_ref_uri', { glob: 'gitlab.com/acme/app//*@refs/tags/*' })).toBe(
      true,
    )
    for (const glob of [
      'gitlab.com/*',
      'gitlab.com/acme*',
      'gitlab.com/**',
      '*/acme/**',
      '**/acme/**',
    ]) {
      expect(isTenantPin('ci_config_ref_uri', { glob })).toBe(false)
    }
  })

  it('sub globs need project_path: and the first segment', () => {
    expect(isTenantPin('sub', { glob: 'project_path:acme/*' })).toBe(true)
    expect(isTenantPin('sub', { glob: 'project_path:acme/app:ref_type:branch:ref:*' })).toBe(true)
    for (const glob of [
      'project_path:*',
      'project_path:acme*',
      '*:acme/*',
      'project_path:/x*',
      '**',
    ]) {
      expect(isTenantPin('sub', { glob })).toBe(false)
    }
  })

  it('sub globs may start with the job or source project, by path or whole ID (MR !258245)', () => {
    for (const glob of [
      'job_project_path:acme/*',
      'source_project_path:acme/app:ref_type:*',
      'job_project_id:42:*',
      'source_project_id:42:ref:*',
    ]) {
      expect(isTenantPin('sub', { glob })).toBe(true)
    }
    for (const glob of [
      'job_project_path:*',
      'job_project_id:4*',
      'job_project_id:42*',
      'source_project_id:*',
      'project_id:42:*',
      'user:*',
    ]) {
      expect(isTenantPin('sub', { glob })).toBe(false)
    }
  })

  it('a glob without wildcards is an exact value', () => {
    expect(isTenantPin('project_id', { glob: '42' })).toBe(true)
    expect(isTenantPin('project_id', { glob: '4*' })).toBe(false)
    expect(isTenantPin('project_path', { glob: '' })).toBe(false)
  })

  it('a list pins only when every element pins', () => {
    expect(isTenantPin('project_id', ['42', 43])).toBe(true)
    expect(isTenantPin('namespace_path', ['platform', { glob: 'platform/**' }])).toBe(true)
    expect(isTenantPin('namespace_path', ['platform', { glob: 'plat*' }])).toBe(false)
    expect(isTenantPin('project_id', ['42', /4\d/])).toBe(false)
    expect(isTenantPin('project_id', [])).toBe(false)
  })

  it('regex, RegExp, function and boolean matchers never pin', () => {
    const never: Matcher[] = [{ regex: '42' }, /^platform\//, () => true, true]
    for (const matcher of never) {
      for (const claim of TENANT_PIN_CLAIMS) expect(isTenantPin(claim, matcher)).toBe(false)
    }
  })

  it('matchers on other claims never pin', () => {
    for (const claim of [
      'ref',
      'environment',
      'user_id',
      'source_project_id',
      'aud',
      'iss',
    ] as ClaimName[]) {
      expect(isTenantPin(claim, 'exact')).toBe(false)
    }
  })
})

describe('assertTenantPinned', () => {
  it('passes when any entry of the rule pins', () => {
    expect(() =>
      assertTenantPinned({ match: { ref_protected: true, namespace_id: '7' } }, 'allow[0]'),
    ).not.toThrow()
  })

  it('explains the risk and the fix', () => {
    const error = refused({
      match: { ref_protected: true, project_path: { regex: 'platform/.*' } },
    })
    expect(error.message).toMatch(/^policy allow\[0\] does not pin a project or group/)
    expect(error.message).toMatch(
      /[Aa]nyone on the GitLab instance can mint an ID token with your audience/,
    )
    expect(error.message).toMatch(/project_id/)
    expect(error.message).toMatch(/namespace_id/)
    expect(error.message).toMatch(/allowAnyProject: true/)
  })
})

describe('the tenant-pin rule in compilePolicy', () => {
  const unpinned = { allow: [{ name: 'any-protected', match: { ref_protected: true } }] }

  it('refuses an unpinned allow rule, naming it', () => {
    try {
      compilePolicy(unpinned)
      expect.unreachable()
    } catch (err) {
      const error = err as GitlabIdTokenError
      expect(error.code).toBe('ERR_INVALID_CONFIG')
      expect(error.status).toBe(500)
      expect(error.message).toMatch(/allow\[0\] \("any-protected"\)/)
    }
  })

  it('checks every allow rule, not only the first', () => {
    const policy = { allow: [{ match: { project_id: '42' } }, { match: { ref: 'main' } }] }
    expect(() => compilePolicy(policy)).toThrow(/allow\[1\] does not pin/)
  })

  it('is skipped with allowAnyProject: true', () => {
    expect(() => compilePolicy(unpinned, { allowAnyProject: true })).not.toThrow()
  })

  it('does not apply to deny rules', () => {
    const policy = {
      allow: [{ match: { project_id: '42' } }],
      deny: [{ match: { pipeline_source: 'merge_request_event' } }],
    }
    expect(() => compilePolicy(policy)).not.toThrow()
  })
})
