import { generateKeyPairSync } from 'node:crypto'
import { createGatewayAssertionVerifier } from '@gitlab-id-token/core'
import { describe, expect, it } from 'vitest'
import { createAssertionSigner } from '../src/assertion-signer.js'

const { privateKey } = generateKeyPairSync('ed25519')
const settings = { header: 'X-Gitlab-Assertion', keyFile: 'k', privateKey, ttl: 30, issuer: 'gw' }
const result = {
  claims: {
    iss: 'https://gitlab.example',
    sub: 'project_path:acme/w:ref_type:branch:ref:main',
    jti: 'abc',
  } as never,
  grants: ['deploy'],
}

describe('createAssertionSigner', () => {
  it('signs an EdDSA assertion the core verifier accepts, keyed by thumbprint', async () => {
    const signer = createAssertionSigner(settings, () => 1_800_000_000_000)
    const value = signer.sign(result, 'deploy', 'https://deploy.example', { project_id: '42' })
    const [header] = value.split('.')
    expect(JSON.parse(Buffer.from(header as string, 'base64url').toString())).toEqual({
      alg: 'EdDSA',
      typ: 'gitlab-gateway-assertion+jwt',
      kid: signer.jwks.keys[0]?.kid,
    })
    const verifier = createGatewayAssertionVerifier({
      jwks: signer.jwks,
      issuer: 'gw',
      audience: 'https://deploy.example',
      now: () => 1_800_000_010_000,
    })
    await expect(verifier.verify(value)).resolves.toEqual({
      iss: 'gw',
      aud: 'https://deploy.example',
      sub: 'project_path:acme/w:ref_type:branch:ref:main',
      route: 'deploy',
      grants: ['deploy'],
      claims: { project_id: '42' },
      iat: 1_800_000_000,
      exp: 1_800_000_030,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    })
    expect(value).not.toContain('abc')
  })

  it('uses the configured audience over the route one', async () => {
    const signer = createAssertionSigner({ ...settings, audience: 'app' })
    const verifier = createGatewayAssertionVerifier({
      jwks: signer.jwks,
      issuer: 'gw',
      audience: 'app',
    })
    await expect(
      verifier.verify(signer.sign(result, 'r', 'https://other', {})),
    ).resolves.toMatchObject({ aud: 'app' })
  })
})
