/**
 * Issue 9, items 1 and 4: every refusal from `verify()` carries typed, server-side `details` and
 * the token's identity (verified or not), and a `request_id` in its body; none of the details —
 * no claim value, issuer, rule name or token — ever reaches `message`, `headers` or `toJSON()`.
 */

import {
  createVerifier,
  isGitlabIdTokenError,
  type GitlabIdTokenError,
  type GitlabIdTokenErrorCode,
} from '@gitlab-id-token/core'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { flipBit } from './support/forge.js'

const AUDIENCE = 'https://context.example.com'
const policy = {
  allow: [{ name: 'widget-deploy', match: { project_path: 'acme/widget' }, grants: ['deploy'] }],
  deny: [{ name: 'no-merge-requests', match: { pipeline_source: 'merge_request_event' } }],
}

let gitlab: MockGitlab
beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterAll(() => gitlab.close())

const verifier = () => createVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy })
const mint = (
  claims: Record<string, unknown> = {},
  options: Parameters<MockGitlab['mint']>[1] = {},
) => gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget', ...claims }, options)

async function refusal<C extends GitlabIdTokenErrorCode>(
  token: string,
  code: C,
): Promise<GitlabIdTokenError<C>> {
  const error: unknown = await verifier()
    .verify(token)
    .then(
      () => expect.unreachable(),
      (e: unknown) => e,
    )
  if (!isGitlabIdTokenError(error, code)) throw new Error(`expected ${code}, got ${String(error)}`)
  return error
}

// What a client sees must not contain anything the details carry.
function expectNothingLeaks(error: GitlabIdTokenError, secrets: readonly string[], token: string) {
  const visible = [error.message, JSON.stringify(error.headers), JSON.stringify(error.toJSON())]
  for (const text of visible) {
    expect(text).not.toContain(token)
    for (const secret of secrets) expect(text).not.toContain(secret)
  }
  expect(error.toJSON().request_id).toMatch(/^[\w-]{12}$/)
  expect(error.requestId).toBe(error.toJSON().request_id)
}

describe('typed details at the verifier’s own checks', () => {
  it('ERR_ISSUER_UNTRUSTED: the iss received and the trusted issuers', async () => {
    const token = mint({ iss: 'https://gitlab.example.com/', job_id: '7770001112' })
    const error = await refusal(token, 'ERR_ISSUER_UNTRUSTED')
    expect(error.status).toBe(401)
    expect(error.details).toMatchObject({
      received: 'https://gitlab.example.com/',
      trusted: [gitlab.issuer],
      identity: { verified: false, job_id: '7770001112', project_path: 'acme/widget' },
    })
    expectNothingLeaks(
      error,
      ['gitlab.example.com', gitlab.issuer, '7770001112', 'acme/widget'],
      token,
    )
  })

  it('ERR_ALGORITHM_NOT_ALLOWED: the alg received and the allowed ones', async () => {
    const token = mint({}, { header: { alg: 'PS256' } })
    const error = await refusal(token, 'ERR_ALGORITHM_NOT_ALLOWED')
    expect(error.details).toMatchObject({
      received: 'PS256',
      allowed: ['RS256'],
      identity: { verified: false },
    })
    expectNothingLeaks(error, ['PS256', 'acme/widget'], token)
  })

  it('ERR_TOKEN_MALFORMED: the part that failed, and an identity marked unverified', async () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln'
    const error = await refusal(token, 'ERR_TOKEN_MALFORMED')
    expect(error.details).toMatchObject({ part: 'payload', identity: { verified: false } })
    expectNothingLeaks(error, [], token)
  })

  it('ERR_KEY_NOT_FOUND: the kid and the kids the key set knows', async () => {
    const token = mint({}, { header: { kid: '' } })
    const error = await refusal(token, 'ERR_KEY_NOT_FOUND')
    expect(error.details).toMatchObject({ kid: '', issuer: gitlab.issuer })
    expect(Array.isArray(error.details?.knownKids)).toBe(true)
  })

  it('ERR_SIGNATURE_INVALID: the identity is still unverified', async () => {
    const token = flipBit(mint({ job_id: '5550001112' }), 2, 9)
    const error = await refusal(token, 'ERR_SIGNATURE_INVALID')
    expect(error.details?.identity).toMatchObject({ verified: false, job_id: '5550001112' })
    expectNothingLeaks(error, ['5550001112', 'acme/widget'], token)
  })

  it('ERR_POLICY_DENIED: a verified identity, the deny rule and the reasons', async () => {
    const token = mint({ pipeline_source: 'merge_request_event', pipeline_id: '4242000111' })
    const error = await refusal(token, 'ERR_POLICY_DENIED')
    expect(error.status).toBe(403)
    expect(error.details).toMatchObject({
      deniedBy: 'no-merge-requests',
      identity: { verified: true, pipeline_id: '4242000111', project_path: 'acme/widget' },
    })
    expectNothingLeaks(
      error,
      ['no-merge-requests', 'widget-deploy', '4242000111', 'acme/widget'],
      token,
    )
  })

  it('ERR_AUDIENCE_MISMATCH after the signature verified: a verified identity', async () => {
    const token = mint({ aud: 'https://elsewhere.example', job_id: '3210001112' })
    const error = await refusal(token, 'ERR_AUDIENCE_MISMATCH')
    expect(error.details?.identity).toMatchObject({ verified: true, job_id: '3210001112' })
    expectNothingLeaks(error, ['elsewhere.example', '3210001112', 'acme/widget'], token)
  })
})
