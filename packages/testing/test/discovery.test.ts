import { describe, expect, it } from 'vitest'

import { buildDiscoveryDocument, CLAIMS_SUPPORTED } from '../src/index.js'

describe('buildDiscoveryDocument', () => {
  it("has doorkeeper's fields with endpoints under the base URL", () => {
    const doc = buildDiscoveryDocument(
      'https://gitlab.example.com/gitlab',
      'http://127.0.0.1:1/gitlab',
    )
    expect(doc).toMatchObject({
      issuer: 'https://gitlab.example.com/gitlab',
      authorization_endpoint: 'http://127.0.0.1:1/gitlab/oauth/authorize',
      token_endpoint: 'http://127.0.0.1:1/gitlab/oauth/token',
      userinfo_endpoint: 'http://127.0.0.1:1/gitlab/oauth/userinfo',
      jwks_uri: 'http://127.0.0.1:1/gitlab/oauth/discovery/keys',
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      claim_types_supported: ['normal'],
    })
  })

  it("lists GitLab's extra CI claims in claims_supported", () => {
    for (const name of [
      'project_path',
      'ci_config_ref_uri',
      'ref_path',
      'sha',
      'environment',
      'jti',
    ]) {
      expect(CLAIMS_SUPPORTED).toContain(name)
    }
    expect(buildDiscoveryDocument('a', 'b').claims_supported).toEqual(CLAIMS_SUPPORTED)
  })
})
