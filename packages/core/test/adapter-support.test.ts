import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  assertGrants,
  createRequestVerifier,
  grantCheck,
  readAuthorization,
  resolveVerifier,
} from '../src/adapter-support.js'
import type { VerifyResult } from '../src/types.js'
import { createVerifier } from '../src/verifier.js'
import { configErrorMatching } from './fixtures.js'

const AUDIENCE = 'https://deploy.example.com'
const policy = { allow: [{ match: { project_path: 'acme/widget' }, grants: ['deploy', 'read'] }] }
let gitlab: MockGitlab

beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterAll(() => gitlab.close())

describe('resolveVerifier', () => {
  it('returns a shared verifier as is', () => {
    const verifier = createVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy })
    expect(resolveVerifier({ verifier })).toBe(verifier)
  })

  it('builds one from options, and from the environment when given none', async () => {
    const token = gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget' })
    const fromOptions = resolveVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy })
    await expect(fromOptions.verify(token)).resolves.toMatchObject({ grants: ['deploy', 'read'] })
    const env = {
      GITLAB_ID_TOKEN_AUDIENCE: AUDIENCE,
      GITLAB_ID_TOKEN_ISSUER: gitlab.issuer,
      GITLAB_ID_TOKEN_POLICY: JSON.stringify(policy),
    }
    await expect(resolveVerifier(undefined, env).verify(token)).resolves.toMatchObject({
      grants: ['deploy', 'read'],
    })
  })

  it('fails at startup, naming the variable, when the environment lacks one', () => {
    expect(() => resolveVerifier(undefined, {})).toThrow(
      configErrorMatching(/GITLAB_ID_TOKEN_AUDIENCE/),
    )
  })

  it('refuses a verifier together with verifier options, and a fake verifier', () => {
    const verifier = createVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy })
    expect(() => resolveVerifier({ verifier, audience: AUDIENCE } as never)).toThrow(
      configErrorMatching(/not both/),
    )
    expect(() => resolveVerifier({ verifier: {} } as never)).toThrow(
      configErrorMatching(/createVerifier/),
    )
  })
})

describe('readAuthorization', () => {
  it('prefers every value of a duplicated header over the first one', () => {
    expect(
      readAuthorization({
        headers: { authorization: 'Bearer a' },
        headersDistinct: { authorization: ['Bearer a', 'Bearer b'] },
      }),
    ).toEqual(['Bearer a', 'Bearer b'])
    expect(readAuthorization({ headers: { authorization: 'Bearer a' } })).toBe('Bearer a')
  })
})

describe('createRequestVerifier', () => {
  const verifier = () => createVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy })

  it('reads the Bearer credential and verifies it', async () => {
    const verify = createRequestVerifier(
      { verifier: verifier() },
      (req: { headers: { authorization?: string } }) => req,
    )
    const token = gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget' })
    await expect(verify({ headers: { authorization: `Bearer ${token}` } })).resolves.toMatchObject({
      rules: ['allow[0]'],
    })
    await expect(verify({ headers: {} })).rejects.toMatchObject({
      code: 'ERR_TOKEN_MISSING',
      status: 401,
    })
  })

  it('uses getToken when given, and treats no token as missing', async () => {
    const token = gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget' })
    const verify = createRequestVerifier(
      { verifier: verifier(), getToken: (req: { token?: string }) => req.token },
      () => ({ headers: {} }),
    )
    await expect(verify({ token })).resolves.toMatchObject({ grants: ['deploy', 'read'] })
    await expect(verify({})).rejects.toMatchObject({ code: 'ERR_TOKEN_MISSING', status: 401 })
  })
})

describe('grantCheck', () => {
  const result = { grants: ['deploy', 'read'], rules: ['allow[0]'] } as unknown as VerifyResult

  it('passes when every grant is present', () => {
    expect(() => grantCheck(['deploy'])(result)).not.toThrow()
    expect(() => assertGrants(result, ['deploy', 'read'])).not.toThrow()
  })

  it('answers ERR_INSUFFICIENT_SCOPE (403) with the missing grants in details only', () => {
    try {
      assertGrants(result, ['admin'])
      expect.unreachable()
    } catch (error) {
      expect(error).toMatchObject({
        code: 'ERR_INSUFFICIENT_SCOPE',
        status: 403,
        details: { missing: ['admin'] },
      })
      expect((error as Error).message).not.toContain('admin')
    }
  })

  it('refuses an empty grant list at startup and a check without verification as a 500', () => {
    expect(() => grantCheck([])).toThrow(configErrorMatching(/at least one grant/))
    expect(() => grantCheck(['deploy'])(undefined)).toThrow(
      configErrorMatching(/before verifyGitlabIdToken/),
    )
  })
})
