import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRequestVerifier } from '../../src/adapter/request-verifier.js'
import type { DecisionEvent } from '../../src/types.js'
import { createVerifier } from '../../src/verifier.js'

const AUDIENCE = 'https://deploy.example.com'
const policy = { allow: [{ match: { project_path: 'acme/widget' }, grants: ['deploy', 'read'] }] }
let gitlab: MockGitlab

beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterAll(() => gitlab.close())

interface FakeRequest {
  readonly id?: string
  readonly token?: string
  readonly headers: { authorization?: string }
  readonly rawHeaders?: string[]
}

const withHeader = (authorization: string, id?: string): FakeRequest => ({
  ...(id === undefined ? {} : { id }),
  headers: { authorization },
  rawHeaders: ['authorization', authorization],
})

describe('createRequestVerifier', () => {
  const events: [DecisionEvent, unknown][] = []
  const verifier = () =>
    createVerifier({
      audience: AUDIENCE,
      issuer: gitlab.issuer,
      policy,
      onDecision: (event, request) => events.push([event, request]),
    })
  const token = () => gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget' })

  it('reads the Bearer credential and verifies it once, with the request and its ID', async () => {
    events.length = 0
    const verify = createRequestVerifier(
      { verifier: verifier() },
      { node: (req: FakeRequest) => req, requestId: (req) => req.id },
    )
    const req = withHeader(`Bearer ${token()}`, 'req-1')
    await expect(verify(req)).resolves.toMatchObject({ rules: ['allow[0]'], requestId: 'req-1' })
    expect(events).toHaveLength(1)
    expect(events[0]?.[1]).toBe(req)
    expect(events[0]?.[0]).toMatchObject({ outcome: 'allowed', requestId: 'req-1' })
  })

  it('tags refusals before verification with the framework ID, or a generated one', async () => {
    const verify = createRequestVerifier(
      { verifier: verifier() },
      { node: (req: FakeRequest) => req, requestId: (req) => req.id },
    )
    await expect(verify({ id: 'req-2', headers: {}, rawHeaders: [] })).rejects.toMatchObject({
      code: 'ERR_TOKEN_MISSING',
      status: 401,
      requestId: 'req-2',
    })
    const error = (await verify({ headers: {}, rawHeaders: [] }).catch((e: unknown) => e)) as {
      requestId?: string
      toJSON(): Record<string, unknown>
    }
    expect(error.requestId).toMatch(/^[\w-]{8,}$/)
    expect(error.toJSON().request_id).toBe(error.requestId)
  })

  it('answers a header that is no b64token 400, a token that does not decode 401', async () => {
    const verify = createRequestVerifier({ verifier: verifier() }, (req: FakeRequest) => req)
    for (const header of ['Bearer a"b', 'Bearer a,Bearer', `Bearer ${token()}=x`]) {
      await expect(verify(withHeader(header))).rejects.toMatchObject({
        code: 'ERR_INVALID_REQUEST',
        status: 400,
        requestId: expect.any(String),
      })
    }
    for (const header of ['Bearer not-a.jwt', 'Bearer a.b.c', 'bearer x~y']) {
      await expect(verify(withHeader(header))).rejects.toMatchObject({
        code: 'ERR_TOKEN_MALFORMED',
        status: 401,
      })
    }
    // The shapes the fast path leaves to the grammar keep their answers.
    await expect(verify(withHeader('Bearer  x'))).rejects.toMatchObject({
      code: 'ERR_TOKEN_MALFORMED',
    })
    await expect(verify(withHeader(`Bearer ${token()} x`))).rejects.toMatchObject({
      code: 'ERR_INVALID_REQUEST',
    })
    await expect(verify(withHeader('Basic dXNlcjpwYXNz'))).rejects.toMatchObject({
      code: 'ERR_TOKEN_MISSING',
    })
  })

  it('uses getToken when given, and treats no token as missing', async () => {
    const verify = createRequestVerifier(
      { verifier: verifier(), getToken: (req: FakeRequest) => req.token },
      () => ({ headers: {} }),
    )
    await expect(verify({ token: token(), headers: {} })).resolves.toMatchObject({
      grants: ['deploy', 'read'],
    })
    await expect(verify({ headers: {} })).rejects.toMatchObject({
      code: 'ERR_TOKEN_MISSING',
      status: 401,
    })
    const promised = createRequestVerifier(
      { verifier: verifier(), getToken: (req: FakeRequest) => Promise.resolve(req.token) },
      () => ({ headers: {} }),
    )
    await expect(promised({ token: token(), headers: {} })).resolves.toMatchObject({
      grants: ['deploy', 'read'],
    })
  })

  it('optional: no credential resolves to undefined; a bad or malformed one is refused', async () => {
    events.length = 0
    const verify = createRequestVerifier(
      { verifier: verifier(), optional: true },
      (req: FakeRequest) => req,
    )
    await expect(verify({ headers: {}, rawHeaders: [] })).resolves.toBeUndefined()
    await expect(verify(withHeader('Basic dXNlcjpwYXNz'))).resolves.toBeUndefined()
    expect(events).toHaveLength(0)
    await expect(verify(withHeader('Bearer'))).rejects.toMatchObject({
      code: 'ERR_INVALID_REQUEST',
    })
    const expired = gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget', exp: 1_000_000_000 })
    await expect(verify(withHeader(`Bearer ${expired}`))).rejects.toMatchObject({
      code: 'ERR_TOKEN_EXPIRED',
    })
    await expect(verify(withHeader(`Bearer ${token()}`))).resolves.toMatchObject({
      grants: ['deploy', 'read'],
    })
    const byGetter = createRequestVerifier(
      { verifier: verifier(), optional: true, getToken: () => undefined },
      () => ({ headers: {} }),
    )
    await expect(byGetter({ headers: {} })).resolves.toBeUndefined()
  })

  it('refuses a getToken or optional of the wrong type at construction', () => {
    const shared = verifier()
    expect(() =>
      createRequestVerifier({ verifier: shared, getToken: 'x' as never }, () => ({ headers: {} })),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }))
    expect(() =>
      createRequestVerifier({ verifier: shared, optional: 'yes' as never }, () => ({
        headers: {},
      })),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }))
  })
})
