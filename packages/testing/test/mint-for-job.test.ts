import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { buildCiClaims, createMockGitlab, mintTokensForJob } from '../src/index.js'
import type { MockGitlab } from '../src/index.js'

// The multi-token example from GitLab's id_tokens documentation, plus an array audience.
const CI_YAML = `
variables:
  VAULT_ADDR: https://vault.example.com

.aws-oidc:
  id_tokens:
    AWS_ID_TOKEN:
      aud: sts.amazonaws.com

job_with_id_tokens:
  stage: deploy
  id_tokens:
    FIRST_ID_TOKEN:
      aud: https://first.service.com
    SECOND_ID_TOKEN:
      aud: https://second.service.com
  script:
    - first-service-authentication-script.sh $FIRST_ID_TOKEN
    - second-service-authentication-script.sh $SECOND_ID_TOKEN

multi_audience:
  id_tokens:
    ID_TOKEN_1:
      aud: https://vault.example.com
    ID_TOKEN_2:
      aud:
        - https://gcp.com
        - https://aws.com

expanded:
  variables:
    JOB_AUD: job-level
  id_tokens:
    FROM_FILE:
      aud: $VAULT_ADDR
    FROM_CONTEXT:
      aud: \${DEPLOY_AUDIENCE}
    FROM_JOB:
      aud: [$JOB_AUD, "$CI_SERVER_URL/api"]
    MISSING:
      aud: https://$NOT_DEFINED/x

deploy_review:
  extends: .aws-oidc
  timeout: 1h 30m
  environment:
    name: review/$CI_COMMIT_REF_SLUG
    action: prepare

build:
  script: make
`

let gitlab: MockGitlab
beforeAll(async () => {
  gitlab = await createMockGitlab({ now: () => 1_722_189_366_000 })
})
afterAll(async () => {
  await gitlab.close()
})

async function verify(token: string | undefined, audience: string) {
  return jwtVerify(token ?? '', createRemoteJWKSet(new URL(gitlab.jwksUri)), {
    issuer: gitlab.issuer,
    audience,
    currentDate: new Date(1_722_189_400_000),
  })
}

describe('mintForJob', () => {
  it('mints one verifiable token per id_tokens entry, each with its own aud and jti', async () => {
    const tokens = gitlab.mintForJob(CI_YAML, 'job_with_id_tokens', {
      project_path: 'acme/widget',
      ref: 'main',
    })
    expect(Object.keys(tokens)).toEqual(['FIRST_ID_TOKEN', 'SECOND_ID_TOKEN'])
    const first = (await verify(tokens.FIRST_ID_TOKEN, 'https://first.service.com')).payload
    const second = (await verify(tokens.SECOND_ID_TOKEN, 'https://second.service.com')).payload
    expect(first.aud).toBe('https://first.service.com')
    expect(second.aud).toBe('https://second.service.com')
    await expect(verify(tokens.FIRST_ID_TOKEN, 'https://second.service.com')).rejects.toMatchObject(
      {
        code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
        claim: 'aud',
      },
    )
    expect(first.jti).not.toBe(second.jti)
    for (const name of ['job_id', 'pipeline_id', 'iat', 'exp', 'sub', 'project_id']) {
      expect(first[name], name).toEqual(second[name])
    }
    expect(first).toMatchObject({
      project_path: 'acme/widget',
      sub: 'project_path:acme/widget:ref_type:branch:ref:main',
      iat: 1_722_189_366,
      exp: 1_722_192_966,
    })
  })

  it('keeps a string aud a string and an array aud an array', () => {
    const tokens = gitlab.mintForJob(CI_YAML, 'multi_audience')
    expect(decodeJwt(tokens.ID_TOKEN_1 ?? '').aud).toBe('https://vault.example.com')
    expect(decodeJwt(tokens.ID_TOKEN_2 ?? '').aud).toEqual(['https://gcp.com', 'https://aws.com'])
  })

  it('gives each job a new job_id', () => {
    const a = decodeJwt(gitlab.mintForJob(CI_YAML, 'multi_audience').ID_TOKEN_1 ?? '')
    const b = decodeJwt(gitlab.mintForJob(CI_YAML, 'multi_audience').ID_TOKEN_1 ?? '')
    expect(a.job_id).not.toBe(b.job_id)
  })

  it('expands file, context and predefined variables in aud; unknown ones become empty', () => {
    const tokens = gitlab.mintForJob(CI_YAML, 'expanded', {
      variables: {
        DEPLOY_AUDIENCE: 'https://deploy.example.com',
        JOB_AUD: 'from-project-settings',
      },
    })
    const aud = (name: string): unknown => decodeJwt(tokens[name] ?? '').aud
    expect(aud('FROM_FILE')).toBe('https://vault.example.com')
    expect(aud('FROM_CONTEXT')).toBe('https://deploy.example.com')
    // Project/pipeline variables outrank the file's variables: (GitLab's precedence order).
    expect(aud('FROM_JOB')).toEqual(['from-project-settings', `${gitlab.issuer}/api`])
    expect(aud('MISSING')).toBe('https:///x')
  })

  it('takes claims from the context and the environment and timeout from the job', () => {
    const tokens = gitlab.mintForJob(CI_YAML, 'deploy_review', {
      project_path: 'acme/widget',
      ref: 'Feature/Login',
      pipeline_source: 'merge_request_event',
    })
    const claims = decodeJwt(tokens.AWS_ID_TOKEN ?? '')
    expect(claims).toMatchObject({
      aud: 'sts.amazonaws.com',
      ref: 'Feature/Login',
      ref_path: 'refs/heads/Feature/Login',
      pipeline_source: 'merge_request_event',
      environment: 'review/feature-login',
      environment_action: 'prepare',
      deployment_tier: 'development',
      environment_protected: 'false',
    })
    expect(Number(claims.exp) - Number(claims.iat)).toBe(5400)
  })

  it('lets context win over the job for environment, expiry and time', () => {
    const tokens = gitlab.mintForJob(CI_YAML, 'deploy_review', {
      environment: 'production',
      expiresIn: 300,
      now: 1_000_000_000_000,
    })
    const claims = decodeJwt(tokens.AWS_ID_TOKEN ?? '')
    expect(claims).toMatchObject({
      environment: 'production',
      deployment_tier: 'production',
      iat: 1_000_000_000,
    })
    expect(claims).not.toHaveProperty('variables')
    expect(Number(claims.exp) - Number(claims.iat)).toBe(300)
  })

  it('returns {} for a job without id_tokens and a clear error for an unknown job', () => {
    expect(gitlab.mintForJob(CI_YAML, 'build')).toEqual({})
    expect(() => gitlab.mintForJob(CI_YAML, 'deploy')).toThrow(
      'no job named "deploy"; jobs in this file: job_with_id_tokens, multi_audience, expanded, deploy_review, build',
    )
  })
})

describe('mintTokensForJob', () => {
  it('works with any minter (here one that returns the claims as JSON)', () => {
    const tokens = mintTokensForJob(
      CI_YAML,
      'multi_audience',
      { project_path: 'g/p' },
      {
        issuer: 'https://gitlab.com',
        build: (overrides, { now, expiresIn }) =>
          buildCiClaims(overrides, {
            issuer: 'https://gitlab.com',
            now: now ?? 0,
            expiresIn: expiresIn ?? 60,
            audience: 'unused',
          }),
        sign: (claims) => JSON.stringify(claims),
      },
    )
    const claims = JSON.parse(tokens.ID_TOKEN_2 ?? '{}') as Record<string, unknown>
    expect(claims).toMatchObject({
      iss: 'https://gitlab.com',
      project_path: 'g/p',
      aud: ['https://gcp.com', 'https://aws.com'],
    })
  })
})
