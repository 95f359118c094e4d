import { createVerifier, type Policy } from '@gitlab-id-token/core'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { stableId } from '../src/claim-helpers.js'
import { createMockGitlab } from '../src/index.js'
import type { MockGitlab } from '../src/index.js'

const AUD = 'https://deploy.example.com'
// A merge request from mallory's fork, run in the parent project acme/widget (GitLab's
// "run pipelines in the parent project" for fork MRs): jwt_v2_spec @0286e4c6.
const FORK_MR = {
  aud: AUD,
  project_path: 'mallory/widget',
  job_project_path: 'acme/widget',
  pipeline_source: 'merge_request_event',
  ref: 'main',
}

let gitlab: MockGitlab
let host: string
beforeAll(async () => {
  gitlab = await createMockGitlab()
  host = new URL(gitlab.url).host
})
afterAll(() => gitlab.close())

describe('fork merge-request pipelines in the parent project', () => {
  it('describes the fork in project_*, namespace_*, sub and user_access_level', () => {
    const claims = decodeJwt(gitlab.mint(FORK_MR))
    expect(claims).toMatchObject({
      project_path: 'mallory/widget',
      project_id: stableId('project', 'mallory/widget'),
      namespace_path: 'mallory',
      namespace_id: stableId('namespace', 'mallory'),
      sub: 'project_path:mallory/widget:ref_type:branch:ref:main',
      // The role in the fork: the parent member who ran the pipeline is no member of it.
      user_access_level: null,
      ref: 'main',
      ref_type: 'branch',
      ref_path: 'refs/heads/main',
      pipeline_source: 'merge_request_event',
      // build.protected: the pipeline runs on refs/merge-requests/…, which is not protected.
      ref_protected: 'false',
    })
  })

  it('describes the parent in job_project_*, project_visibility and ci_config_ref_uri', () => {
    const claims = decodeJwt(gitlab.mint(FORK_MR))
    expect(claims).toMatchObject({
      job_project_path: 'acme/widget',
      job_project_id: stableId('project', 'acme/widget'),
      job_namespace_path: 'acme',
      job_namespace_id: stableId('namespace', 'acme'),
      project_visibility: 'public',
      ci_config_ref_uri: `${host}/acme/widget//.gitlab-ci.yml@refs/heads/main`,
    })
    expect(claims.ci_config_sha).toBe(claims.sha)
  })

  it("gives a fork branch named main the parent's protected-main ci_config_ref_uri, byte for byte", () => {
    const parent = decodeJwt(gitlab.mint({ aud: AUD, project_path: 'acme/widget', ref: 'main' }))
    const fork = decodeJwt(gitlab.mint(FORK_MR))
    expect(parent.ref_protected).toBe('true')
    expect(fork.ci_config_ref_uri).toBe(parent.ci_config_ref_uri)
    expect(fork.project_id).not.toBe(parent.project_id)
  })

  it('so a ci_config_ref_uri pin alone admits the fork; ref_protected and project_id refuse it', async () => {
    const uri = `${host}/acme/widget//.gitlab-ci.yml@refs/heads/main`
    const verify = (policy: Policy) =>
      createVerifier({ issuer: gitlab.issuer, audience: AUD, policy }).verify(gitlab.mint(FORK_MR))
    await expect(verify({ allow: [{ match: { ci_config_ref_uri: uri } }] })).resolves.toMatchObject(
      { claims: { project_path: 'mallory/widget' } },
    )
    const paired: Policy = {
      allow: [
        {
          name: 'protected-main',
          match: {
            ci_config_ref_uri: uri,
            ref_protected: true,
            project_id: stableId('project', 'acme/widget'),
          },
        },
      ],
    }
    await expect(verify(paired)).rejects.toMatchObject({ code: 'ERR_POLICY_DENIED', status: 403 })
  })

  it('named the parent in every claim before 18.2.2 (issue 561735), without job_project_*', () => {
    const claims = decodeJwt(gitlab.mint(FORK_MR, { gitlabVersion: '18.2.1' }))
    expect(claims).toMatchObject({
      project_path: 'acme/widget',
      project_id: stableId('project', 'acme/widget'),
      namespace_path: 'acme',
      sub: 'project_path:acme/widget:ref_type:branch:ref:main',
      user_access_level: 'maintainer',
      ci_config_ref_uri: `${host}/acme/widget//.gitlab-ci.yml@refs/heads/main`,
    })
    expect(claims).not.toHaveProperty('job_project_path')
    expect(decodeJwt(gitlab.mint(FORK_MR, { gitlabVersion: '18.2.2' })).project_path).toBe(
      'mallory/widget',
    )
  })

  it('has fork semantics but no job_project_* between 18.2.2 and 18.4', () => {
    const claims = decodeJwt(gitlab.mint(FORK_MR, { gitlabVersion: '18.3' }))
    expect(claims.project_path).toBe('mallory/widget')
    expect(claims).not.toHaveProperty('job_project_id')
    expect(claims.ci_config_ref_uri).toBe(`${host}/acme/widget//.gitlab-ci.yml@refs/heads/main`)
  })
})
