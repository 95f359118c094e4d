import { createPublicKey } from 'node:crypto'

import { decodeJwt, decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'

import { buildUserClaims, createMockGitlab, oauthClientId } from '../src/index.js'

describe('buildUserClaims', () => {
  const context = { issuer: 'https://gitlab.com', now: 1_553_983_043_000 }

  it("has the shape of GitLab's user-login id_token", () => {
    const claims = buildUserClaims({}, context)
    // Current GitLab routes the profile claims to the id_token too (doorkeeper initializer).
    expect(Object.keys(claims)).toEqual([
      'iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'sub_legacy', 'name', 'nickname',
      'preferred_username', 'email', 'email_verified', 'profile', 'picture', 'groups_direct',
    ]) // prettier-ignore
    expect(claims).toMatchObject({
      iss: 'https://gitlab.com',
      iat: 1_553_983_043,
      exp: 1_553_983_163,
    })
    expect(claims.sub).toMatch(/^[1-9]\d*$/)
    expect(claims.aud).toBe(oauthClientId('gitlab-id-token-mock'))
    expect(claims.sub_legacy).toMatch(/^[0-9a-f]{64}$/)
  })

  it('derives the profile claims from the username, and adds website only when set', () => {
    const claims = buildUserClaims({ nickname: 'root' }, context)
    expect(claims).toMatchObject({
      name: 'root',
      nickname: 'root',
      preferred_username: 'root',
      profile: 'https://gitlab.com/root',
    })
    expect(claims.picture).toMatch(/^https:\/\/secure\.gravatar\.com\/avatar\/[0-9a-f]{64}\?/)
    expect(claims).not.toHaveProperty('website')
    const withSite = buildUserClaims({ website: 'https://root.example' }, context)
    expect(Object.keys(withSite).slice(11, 13)).toEqual(['email_verified', 'website'])
    expect(buildUserClaims({ website: '' }, context).website).toBe('')
  })

  it('carries none of the CI claims a verifier must require', () => {
    const claims = buildUserClaims({}, context)
    for (const name of ['project_id', 'project_path', 'job_id', 'pipeline_id', 'ref_type']) {
      expect(claims).not.toHaveProperty(name)
    }
    expect(String(claims.sub)).not.toMatch(/^project_path:/)
  })

  it('derives email from nickname and applies overrides', () => {
    const claims = buildUserClaims(
      { nickname: 'root', aud: 'https://api.example', email_verified: undefined },
      {
        ...context,
        expiresIn: 60,
      },
    )
    expect(claims).toMatchObject({
      nickname: 'root',
      email: 'root@example.com',
      aud: 'https://api.example',
    })
    expect(claims).not.toHaveProperty('email_verified')
    expect(Number(claims.exp) - Number(claims.iat)).toBe(60)
  })

  it('oauthClientId is 64 hex characters and stable', () => {
    expect(oauthClientId('app')).toMatch(/^[0-9a-f]{64}$/)
    expect(oauthClientId('app')).toBe(oauthClientId('app'))
    expect(buildUserClaims({}, { ...context, application: 'other' }).aud).toBe(
      oauthClientId('other'),
    )
  })
})

describe('mintUserToken', () => {
  it('signs with an RSA-4096 user key when the instance is gitlab.com, as gitlab.com does', async () => {
    const gitlab = await createMockGitlab({ instanceUrl: 'https://gitlab.com' })
    try {
      const token = gitlab.mintUserToken()
      expect(decodeProtectedHeader(token).kid).toBe(gitlab.userKey.kid)
      expect(createPublicKey(gitlab.userKey.privateKey).asymmetricKeyDetails?.modulusLength).toBe(
        4096,
      )
      expect(gitlab.ciKey.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048)
      expect(decodeJwt(token)).toMatchObject({ iss: 'https://gitlab.com', nickname: 'jdoe' })
    } finally {
      await gitlab.close()
    }
  })
})
