import { createVerifier } from '@gitlab-id-token/core'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createMockGitlab } from '../src/index.js'
import type { MockGitlab } from '../src/index.js'

const AUD = 'https://deploy.example.com'
// `gitlab_rails['ci_id_tokens_issuer_url']` (GitLab 18.1+), used verbatim as `iss`.
const OVERRIDE = 'https://oidc.example.com'

let gitlab: MockGitlab
beforeAll(async () => {
  gitlab = await createMockGitlab({
    issuer: OVERRIDE,
    instanceUrl: (origin) => `${origin}/gitlab`,
    audience: AUD,
  })
})
afterAll(() => gitlab.close())

describe('an instance with ci_id_tokens.issuer_url set', () => {
  it('signs CI tokens with the override, and names the instance everywhere else', () => {
    expect(gitlab.issuer).toBe(OVERRIDE)
    expect(gitlab.instanceUrl).toBe(`${gitlab.url}/gitlab`)
    const claims = decodeJwt(gitlab.mint({ project_path: 'acme/widget' }))
    expect(claims.iss).toBe(OVERRIDE)
    // Settings.build_server_fqdn: host, port and relative root of the instance (settings.rb).
    expect(claims.ci_config_ref_uri).toBe(
      `${new URL(gitlab.url).host}/gitlab/acme/widget//.gitlab-ci.yml@refs/heads/main`,
    )
    expect(claims.runner_environment).toBe('self-hosted')
    // User-login tokens keep Gitlab.config.gitlab.url (doorkeeper initializer).
    expect(decodeJwt(gitlab.mintUserToken()).iss).toBe(gitlab.instanceUrl)
  })

  it("serves GitLab's own discovery document, which announces the instance, not the override", async () => {
    expect(gitlab.discoveryUrl).toBe(`${gitlab.instanceUrl}/.well-known/openid-configuration`)
    const res = await fetch(gitlab.discoveryUrl)
    expect(res.status).toBe(200)
    const document = (await res.json()) as { issuer: string; jwks_uri: string }
    expect(document).toMatchObject({ issuer: gitlab.instanceUrl, jwks_uri: gitlab.jwksUri })
    expect(document.issuer).not.toBe(gitlab.issuer)
    expect(gitlab.jwksUri).toBe(`${gitlab.instanceUrl}/oauth/discovery/keys`)
  })

  it('verifies with the documented { issuer, jwksUri } configuration', async () => {
    const verifier = createVerifier({
      issuer: { issuer: OVERRIDE, jwksUri: gitlab.jwksUri },
      audience: AUD,
      policy: { allow: [{ match: { project_path: 'acme/widget' } }] },
    })
    const before = { ...gitlab.requests }
    const { claims } = await verifier.verify(gitlab.mint({ project_path: 'acme/widget' }))
    expect(claims.iss).toBe(OVERRIDE)
    // Keys straight from jwksUri: no discovery, whose issuer would not match.
    expect(gitlab.requests.jwks).toBe(before.jwks + 1)
    expect(gitlab.requests.discovery).toBe(before.discovery)
  })

  it('refuses the token when configured with the instance URL: its discovery names another issuer', async () => {
    const verifier = createVerifier({
      issuer: gitlab.instanceUrl,
      audience: AUD,
      policy: { allow: [{ match: { project_path: 'acme/widget' } }] },
    })
    await expect(
      verifier.verify(gitlab.mint({ project_path: 'acme/widget' })),
    ).rejects.toMatchObject({ code: 'ERR_ISSUER_UNTRUSTED', status: 401 })
  })
})

describe('an issuer_url override with a trailing slash (as in GitLab’s jwt_v2_spec.rb)', () => {
  const SLASHED = 'https://oidc.example.com/'
  let slashed: MockGitlab
  beforeAll(async () => {
    slashed = await createMockGitlab({ issuer: SLASHED, instanceUrl: (o) => o, audience: AUD })
  })
  afterAll(() => slashed.close())
  const policy = { allow: [{ match: { project_path: 'acme/widget' } }] }

  it('verifies with { issuer, jwksUri }: the slash is kept and compared exactly', async () => {
    const verifier = createVerifier({
      issuer: { issuer: SLASHED, jwksUri: slashed.jwksUri },
      audience: AUD,
      policy,
    })
    const token = slashed.mint({ project_path: 'acme/widget' })
    expect(decodeJwt(token).iss).toBe(SLASHED)
    expect((await verifier.verify(token)).claims.iss).toBe(SLASHED)
    await expect(
      verifier.verify(slashed.mint({ project_path: 'acme/widget', iss: SLASHED.slice(0, -1) })),
    ).rejects.toMatchObject({ code: 'ERR_ISSUER_UNTRUSTED', status: 401 })
  })

  it('is refused at startup with discovery, naming the slash-free issuer and the jwksUri fix', () => {
    let error: unknown
    try {
      createVerifier({ issuer: SLASHED, audience: AUD, policy })
    } catch (caught) {
      error = caught
    }
    expect(error).toMatchObject({ code: 'ERR_INVALID_CONFIG', status: 500 })
    const { message } = error as Error
    expect(message).toContain(`issuer "${SLASHED}" ends in a slash`)
    expect(message).toContain('Set "issuer" to "https://oidc.example.com"')
    expect(message).toContain('set "jwksUri"')
  })
})
