import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { emitGrantRefusal } from '../src/decision-events.js'
import { GitlabIdTokenError } from '../src/errors.js'
import type { DecisionEvent } from '../src/types.js'
import type { VerifierOptions } from '../src/types.js'
import { createVerifier } from '../src/verifier.js'

const AUDIENCE = 'https://events.example.com'
const policy = {
  allow: [
    { name: 'deploy', match: { project_path: 'acme/widget', ref: 'main' }, grants: ['deploy'] },
    { name: 'read', match: { project_path: 'acme/widget' }, grants: ['read'] },
  ],
}

let gitlab: MockGitlab
beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterAll(() => gitlab.close())

function recording(options: Partial<VerifierOptions> = {}) {
  const events: [DecisionEvent, unknown][] = []
  const verifier = createVerifier({
    audience: AUDIENCE,
    issuer: gitlab.issuer,
    policy,
    onDecision: (event, request) => events.push([event, request]),
    ...options,
  })
  return { verifier, events }
}
const mint = (claims: Record<string, unknown> = {}) =>
  gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget', ref: 'feature', ...claims })

describe('onDecision', () => {
  it('is called once per allowed verify(), with the request, rules, grants and reasons', async () => {
    const { verifier, events } = recording()
    const request = { id: 'req-1' }
    const result = await verifier.verify(mint(), { request, requestId: 'req-1' })
    expect(events).toHaveLength(1)
    const [event, seen] = events[0]!
    expect(seen).toBe(request)
    expect(event).toMatchObject({
      outcome: 'allowed',
      rules: ['read'],
      grants: ['read'],
      issuer: gitlab.issuer,
      cached: false,
      requestId: 'req-1',
      stage: 'verify',
      identity: { verified: true, project_path: 'acme/widget', ref: 'feature' },
    })
    expect(event.reasons?.map((r) => r.rule)).toEqual(['deploy'])
    expect(event.durationMs).toBeGreaterThanOrEqual(0)
    expect(result).toMatchObject({ requestId: 'req-1', reasons: event.reasons })
  })

  it('is called once per refusal with code, status and an unverified identity', async () => {
    const { verifier, events } = recording()
    const token = mint({ iss: 'https://gitlab.evil.example', job_id: '99' })
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_ISSUER_UNTRUSTED' })
    expect(events).toHaveLength(1)
    expect(events[0]![0]).toMatchObject({
      outcome: 'refused',
      code: 'ERR_ISSUER_UNTRUSTED',
      status: 401,
      rules: [],
      grants: [],
      identity: { verified: false, job_id: '99', iss: 'https://gitlab.evil.example' },
    })
    expect(events[0]![0].issuer).toBeUndefined()
    expect(JSON.stringify(events)).not.toContain(token)
  })

  it('marks the cache hit of a token seen before', async () => {
    const { verifier, events } = recording()
    const token = mint()
    for (let i = 0; i < 3; i++) await verifier.verify(token)
    expect(events.map(([event]) => event.cached)).toEqual([false, false, true])
  })

  it('swallows what the hook throws: the decision stands', async () => {
    const verifier = createVerifier({
      audience: AUDIENCE,
      issuer: gitlab.issuer,
      policy,
      onDecision() {
        throw new Error('logger down')
      },
    })
    await expect(verifier.verify(mint())).resolves.toMatchObject({ grants: ['read'] })
    await expect(verifier.verify('x.y')).rejects.toMatchObject({ code: 'ERR_TOKEN_MALFORMED' })
  })

  it('emits a stage: grants event for a grant refusal of a result, through its own verifier', async () => {
    const { verifier, events } = recording()
    const request = { id: 'req-2' }
    const result = await verifier.verify(mint(), { request })
    const error = new GitlabIdTokenError('ERR_INSUFFICIENT_SCOPE', 'required grant missing')
    emitGrantRefusal(result, error)
    expect(events).toHaveLength(2)
    expect(events[1]).toEqual([
      expect.objectContaining({
        outcome: 'refused',
        code: 'ERR_INSUFFICIENT_SCOPE',
        status: 403,
        stage: 'grants',
        requestId: result.requestId,
        grants: ['read'],
      }),
      request,
    ])
    expect(error.requestId).toBe(result.requestId)
    expect(error.details?.identity).toMatchObject({ verified: true, project_path: 'acme/widget' })
    expect(error.toJSON()).toMatchObject({ request_id: result.requestId })
  })
})

describe('request IDs', () => {
  it('are short, opaque and random when none is given; on the result and the refusal body', async () => {
    const { verifier } = recording()
    const a = await verifier.verify(mint())
    const b = await verifier.verify(mint())
    expect(a.requestId).toMatch(/^[\w-]{12}$/)
    expect(a.requestId).not.toBe(b.requestId)
    const error = (await verifier.verify('x.y').catch((e: unknown) => e)) as GitlabIdTokenError
    expect(error.toJSON()).toEqual({
      error: 'invalid_token',
      error_description: 'malformed token',
      code: 'ERR_TOKEN_MALFORMED',
      request_id: error.requestId,
    })
  })

  it('take the framework ID only when it is printable and bounded', async () => {
    const { verifier } = recording()
    expect((await verifier.verify(mint(), { requestId: 'abc-123' })).requestId).toBe('abc-123')
    const injected = await verifier.verify(mint(), { requestId: 'a\r\nSet-Cookie: x' })
    expect(injected.requestId).toMatch(/^[\w-]{12}$/)
    const huge = await verifier.verify(mint(), { requestId: 'x'.repeat(129) })
    expect(huge.requestId).toMatch(/^[\w-]{12}$/)
  })
})
