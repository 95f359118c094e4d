import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertGrants, grantCheck } from '../../src/adapter/grants.js'
import type { DecisionEvent, VerifyResult } from '../../src/types.js'
import { createVerifier } from '../../src/verifier.js'
import { configErrorMatching } from '../fixtures.js'

const AUDIENCE = 'https://deploy.example.com'
let gitlab: MockGitlab

beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterAll(() => gitlab.close())

function caught(fn: () => void): Record<string, unknown> {
  try {
    fn()
  } catch (error) {
    return error as Record<string, unknown>
  }
  throw new Error('expected a throw')
}

describe('grantCheck', () => {
  const result = { grants: ['deploy', 'read'], rules: ['allow[0]'] } as unknown as VerifyResult

  it('passes when every grant is present', () => {
    expect(() => grantCheck(['deploy'])(result)).not.toThrow()
    expect(() => assertGrants(result, ['deploy', 'read'])).not.toThrow()
  })

  it('refuses an empty grant list at startup and a check without verification as a 500', () => {
    expect(() => grantCheck([])).toThrow(configErrorMatching(/at least one grant/))
    expect(() => grantCheck(['deploy', ''])).toThrow(configErrorMatching(/non-empty strings/))
    expect(() => grantCheck(['deploy'])(undefined)).toThrow(
      configErrorMatching(/before verifyGitlabIdToken/),
    )
    expect(() => grantCheck(['deploy'])(null)).toThrow(configErrorMatching(/before/))
  })

  it('names the missing grants, the rules that would give them and why each failed', async () => {
    const events: [DecisionEvent, unknown][] = []
    const verifier = createVerifier({
      audience: AUDIENCE,
      issuer: gitlab.issuer,
      policy: {
        allow: [
          { name: 'readers', match: { project_path: 'acme/widget' }, grants: ['read'] },
          {
            name: 'deployers',
            match: { project_path: 'acme/widget', ref_protected: true },
            grants: ['deploy'],
          },
          { name: 'admins', match: { project_path: 'acme/admin' }, grants: ['admin'] },
        ],
      },
      onDecision: (event, request) => events.push([event, request]),
    })
    const token = gitlab.mint({
      aud: AUDIENCE,
      project_path: 'acme/widget',
      ref_protected: 'false',
    })
    const verified = await verifier.verify(token, { requestId: 'req-7' })
    const request = { url: '/deploy' }
    const error = caught(() => assertGrants(verified, ['read', 'deploy'], request))
    expect(error).toMatchObject({
      code: 'ERR_INSUFFICIENT_SCOPE',
      status: 403,
      requestId: 'req-7',
      details: {
        required: ['read', 'deploy'],
        missing: ['deploy'],
        rules: ['readers'],
        candidates: [
          {
            rule: 'deployers',
            grants: ['deploy'],
            failures: [expect.objectContaining({ claim: 'ref_protected' })],
          },
        ],
      },
    })
    expect(String(error.message)).not.toMatch(/deploy|readers|acme/)
    expect(JSON.stringify((error as { toJSON(): unknown }).toJSON())).not.toMatch(/deployers|acme/)
    expect((error as { toJSON(): unknown }).toJSON()).toMatchObject({ request_id: 'req-7' })

    // One event per verify(), then one more for the grant refusal, with the same request ID.
    expect(events.map(([event]) => [event.outcome, event.stage ?? 'verify'])).toEqual([
      ['allowed', 'verify'],
      ['refused', 'grants'],
    ])
    const [grantsEvent, passed] = events[1] ?? []
    expect(passed).toBe(request)
    expect(grantsEvent).toMatchObject({
      code: 'ERR_INSUFFICIENT_SCOPE',
      status: 403,
      requestId: 'req-7',
      rules: ['readers'],
      grants: ['read'],
    })
  })
})
