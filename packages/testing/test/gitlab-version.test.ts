import { CLAIMS, CLAIM_NAMES } from '@gitlab-id-token/core'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  claimAvailability,
  compareGitlabVersions,
  createMockGitlab,
  GITLAB_VERSIONS,
  LATEST_GITLAB_VERSION,
} from '../src/index.js'
import type { MockGitlab } from '../src/index.js'

let gitlab: MockGitlab
beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterAll(() => gitlab.close())

const keysAt = (gitlabVersion: string, overrides: Record<string, unknown> = {}) =>
  Object.keys(
    decodeJwt(gitlab.mint({ environment: 'production', ...overrides }, { gitlabVersion })),
  )

describe('compareGitlabVersions', () => {
  it('orders major.minor[.patch] numerically', () => {
    expect(compareGitlabVersions('18.10', '18.9')).toBeGreaterThan(0)
    expect(compareGitlabVersions('18.2.2', '18.2')).toBeGreaterThan(0)
    expect(compareGitlabVersions('18.2.0', '18.2')).toBe(0)
    expect(compareGitlabVersions('16.11', '17.0')).toBeLessThan(0)
  })

  it('refuses what is not a version', () => {
    expect(() => compareGitlabVersions('latest', '18.0')).toThrow(TypeError)
    expect(() => gitlab.mint({}, { gitlabVersion: 'v18' })).toThrow(/gitlabVersion/)
  })

  it('lists the versions where the claim set changes, from the claim table', () => {
    expect(GITLAB_VERSIONS[0]).toBe('15.7')
    expect(GITLAB_VERSIONS.at(-1)).toBe(LATEST_GITLAB_VERSION)
    for (const name of CLAIM_NAMES) {
      const { since } = CLAIMS[name]
      if (since !== undefined) expect(GITLAB_VERSIONS).toContain(since)
    }
  })
})

describe('the version profiles of the mock', () => {
  it.each(GITLAB_VERSIONS.map((version) => [version]))(
    '%s emits exactly the claims the table gives that version',
    (version) => {
      const expected = CLAIM_NAMES.filter((name) => {
        const { presence } = CLAIMS[name]
        if (claimAvailability(name, { gitlabVersion: version }) !== 'present') return false
        // Present only on request: opted-in identities, policy jobs.
        return presence !== 'user-setting' && presence !== 'policy-job'
      })
      expect([...keysAt(version)].sort()).toEqual([...expected].sort())
    },
  )

  it('15.7: the first id_tokens set, with no ref_path, sha, runner or config claims', () => {
    const keys = keysAt('15.7')
    for (const name of ['project_id', 'ref_protected', 'environment', 'deployment_tier', 'jti']) {
      expect(keys).toContain(name)
    }
    for (const name of [
      'ref_path',
      'sha',
      'runner_id',
      'runner_environment',
      'project_visibility',
      'ci_config_ref_uri',
      'user_access_level',
      'environment_action',
      'job_source',
    ]) {
      // prettier-ignore
      expect(keys).not.toContain(name)
    }
  })

  it('a 2024 gitlab.com payload: groups_direct, user_access_level, no job_project_* (17.1)', () => {
    const claims = decodeJwt(gitlab.mint({}, { gitlabVersion: '17.1' }))
    expect(claims.groups_direct).toEqual(['my-group'])
    expect(claims.user_access_level).toBe('maintainer')
    expect(claims).not.toHaveProperty('job_project_id')
    expect(claims).not.toHaveProperty('job_source')
  })

  it('groups_direct needs ci_jwt_groups_direct from 17.3 on', () => {
    expect(keysAt('17.2')).toContain('groups_direct')
    expect(keysAt('17.3')).not.toContain('groups_direct')
    const flagged = gitlab.mint(
      {},
      { gitlabVersion: '17.3', featureFlags: { ci_jwt_groups_direct: true } },
    )
    expect(decodeJwt(flagged).groups_direct).toEqual(['my-group'])
    expect(decodeJwt(gitlab.mint({ groups_direct: ['a', 'b'] })).groups_direct).toEqual(['a', 'b'])
  })

  it('job_project_* from 18.4, job_source from 18.9 (an early-2025 18.x payload has neither)', () => {
    expect(keysAt('18.3')).not.toContain('job_project_id')
    expect(keysAt('18.4')).toEqual(expect.arrayContaining(['job_project_id', 'job_namespace_path']))
    expect(keysAt('18.8')).not.toContain('job_source')
    expect(decodeJwt(gitlab.mint({}, { gitlabVersion: '18.9' })).job_source).toBe('push')
  })

  it('drops claims the version lacks even when given, since they are inputs too', () => {
    const claims = decodeJwt(
      gitlab.mint(
        { job_project_path: 'acme/parent', job_source: 'push' },
        { gitlabVersion: '17.0' },
      ),
    )
    expect(claims).not.toHaveProperty('job_project_path')
    expect(claims).not.toHaveProperty('job_source')
  })

  it('defaults to the newest profile, set per mock or per mint', async () => {
    const old = await createMockGitlab({ gitlabVersion: '16.5' })
    try {
      expect(Object.keys(decodeJwt(old.mint()))).not.toContain('user_access_level')
      expect(Object.keys(decodeJwt(old.mint({}, { gitlabVersion: '16.9' })))).toContain(
        'user_access_level',
      )
    } finally {
      await old.close()
    }
    expect(keysAt(LATEST_GITLAB_VERSION)).toEqual(keysAt('18.10'))
  })
})
