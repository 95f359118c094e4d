import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryReplayStore } from '../src/replay-store.js'
import type { Policy } from '../src/policy-types.js'
import type { VerifierOptions } from '../src/types.js'
import { createVerifier } from '../src/verifier.js'

const AUDIENCE = 'https://deploy.example.com'
const policy: Policy = {
  allow: [
    {
      name: 'prod-deploy',
      match: { project_path: 'acme/widget', ref_protected: true, environment: 'production' },
      grants: ['deploy:prod'],
    },
    { match: { namespace_path: { glob: 'acme/**' } }, grants: ['read'] },
    { name: 'acme-group', match: { namespace_path: 'acme' }, grants: ['read'] },
  ],
  deny: [{ name: 'no-mr', match: { pipeline_source: 'merge_request_event' } }],
}

let gitlab: MockGitlab
let clock: number
const now = (): number => clock

function verifier(options: Partial<VerifierOptions> = {}) {
  return createVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy, now, ...options })
}
const mint = (overrides: Record<string, unknown> = {}) =>
  gitlab.mint(
    { aud: AUDIENCE, project_path: 'acme/widget', ref: 'main', ...overrides },
    { now: clock },
  )
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
const parts = (token: string) => token.split('.') as [string, string, string]
const rejects = (promise: Promise<unknown>, code: string, status = 401) =>
  expect(promise).rejects.toMatchObject({ name: 'GitlabIdTokenError', code, status })

beforeAll(async () => {
  clock = Date.now()
  gitlab = await createMockGitlab({ now })
})
afterAll(() => gitlab.close())
beforeEach(() => {
  clock = Date.now()
  gitlab.setKeySetResponse('ok')
})

describe('a valid token', () => {
  it('resolves to the claims as GitLab sent them, the grants and the matching rules', async () => {
    const token = mint({ ref_protected: 'true', environment: 'production' })
    const result = await verifier().verify(token)
    expect(result.claims).toMatchObject({
      iss: gitlab.issuer,
      aud: AUDIENCE,
      project_path: 'acme/widget',
      ref_protected: 'true',
      environment: 'production',
    })
    expect(typeof result.claims.project_id).toBe('string')
    expect(result.grants).toEqual(['deploy:prod', 'read'])
    // `acme/**` matches paths under acme/, not the group itself.
    expect(result.rules).toEqual(['prod-deploy', 'acme-group'])
    expect(result.issuer).toBe(gitlab.issuer)
    expect(result.expiresAt).toEqual(new Date(result.claims.exp * 1000))
  })

  it('accepts an array aud containing one of ours', async () => {
    const token = mint({ aud: ['https://vault.example.com', AUDIENCE] })
    await expect(verifier().verify(token)).resolves.toMatchObject({ grants: ['read'] })
  })

  it('returns frozen claims, so one request cannot change what another sees', async () => {
    const v = verifier()
    const token = mint()
    const first = await v.verify(token)
    expect(Object.isFrozen(first.claims)).toBe(true)
    expect(() => {
      ;(first.claims as { project_path: string }).project_path = 'evil/x'
    }).toThrow(TypeError)
    const second = await v.verify(token)
    expect(second.claims.project_path).toBe('acme/widget')
    expect(second.expiresAt).not.toBe(first.expiresAt)
  })
})

describe('each failing check has its own code', () => {
  it('ERR_TOKEN_MALFORMED: not a string, too long, not three parts', async () => {
    const v = verifier()
    await rejects(v.verify(undefined), 'ERR_TOKEN_MALFORMED')
    await rejects(v.verify(42), 'ERR_TOKEN_MALFORMED')
    await rejects(v.verify('a.b'), 'ERR_TOKEN_MALFORMED')
    await rejects(verifier({ maxTokenLength: 100 }).verify(mint()), 'ERR_TOKEN_MALFORMED')
  })

  it('ERR_ALGORITHM_NOT_ALLOWED: none (with or without a signature), HS256, PS256', async () => {
    const [, payload, signature] = parts(mint())
    const v = verifier()
    for (const alg of ['none', 'HS256', 'PS256']) {
      const header = b64({ alg, kid: 'x', typ: 'JWT' })
      await rejects(v.verify(`${header}.${payload}.`), 'ERR_ALGORITHM_NOT_ALLOWED')
      await rejects(v.verify(`${header}.${payload}.${signature}`), 'ERR_ALGORITHM_NOT_ALLOWED')
    }
    await rejects(
      v.verify(`${b64({ kid: 'x' })}.${payload}.${signature}`),
      'ERR_ALGORITHM_NOT_ALLOWED',
    )
  })

  it('ERR_TOKEN_MALFORMED: an unknown crit or b64: false', async () => {
    const token = mint()
    const header = JSON.parse(Buffer.from(parts(token)[0], 'base64url').toString()) as object
    const [, payload, signature] = parts(token)
    await rejects(
      verifier().verify(`${b64({ ...header, crit: ['exp'] })}.${payload}.${signature}`),
      'ERR_TOKEN_MALFORMED',
    )
    await rejects(
      verifier().verify(`${b64({ ...header, b64: false })}.${payload}.${signature}`),
      'ERR_TOKEN_MALFORMED',
    )
  })

  it('ERR_ISSUER_UNTRUSTED: another, a missing or a non-string iss, with no fetch', async () => {
    const before = { ...gitlab.requests }
    const v = verifier()
    await rejects(v.verify(mint({ iss: `${gitlab.issuer}/` })), 'ERR_ISSUER_UNTRUSTED')
    await rejects(v.verify(mint({ iss: 'https://gitlab.com' })), 'ERR_ISSUER_UNTRUSTED')
    await rejects(v.verify(mint({ iss: undefined })), 'ERR_ISSUER_UNTRUSTED')
    await rejects(v.verify(mint({ iss: [gitlab.issuer] })), 'ERR_ISSUER_UNTRUSTED')
    expect(gitlab.requests).toEqual(before)
  })

  it('ERR_KEY_NOT_FOUND: a missing, unknown or oversized kid', async () => {
    const token = mint()
    const header = JSON.parse(Buffer.from(parts(token)[0], 'base64url').toString()) as object
    const [, payload, signature] = parts(token)
    const v = verifier()
    await rejects(
      v.verify(`${b64({ ...header, kid: undefined })}.${payload}.${signature}`),
      'ERR_KEY_NOT_FOUND',
    )
    await rejects(
      v.verify(`${b64({ ...header, kid: 7 })}.${payload}.${signature}`),
      'ERR_KEY_NOT_FOUND',
    )
    await rejects(
      v.verify(`${b64({ ...header, kid: 'unknown' })}.${payload}.${signature}`),
      'ERR_KEY_NOT_FOUND',
    )
    await rejects(
      v.verify(`${b64({ ...header, kid: 'k'.repeat(10_000) })}.${payload}.${signature}`),
      'ERR_KEY_NOT_FOUND',
    )
  })

  it('ERR_SIGNATURE_INVALID: a flipped payload bit, a stripped or foreign signature', async () => {
    const [header, payload, signature] = parts(mint())
    const other = parts(mint({ project_path: 'acme/other' }))[2]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
      string,
      unknown
    >
    const v = verifier()
    await rejects(
      v.verify(`${header}.${b64({ ...claims, project_id: '1' })}.${signature}`),
      'ERR_SIGNATURE_INVALID',
    )
    await rejects(v.verify(`${header}.${payload}.`), 'ERR_SIGNATURE_INVALID')
    await rejects(v.verify(`${header}.${payload}.${other}`), 'ERR_SIGNATURE_INVALID')
  })

  it('ERR_AUDIENCE_MISMATCH: another or a missing aud', async () => {
    await rejects(
      verifier().verify(mint({ aud: 'https://vault.example.com' })),
      'ERR_AUDIENCE_MISMATCH',
    )
    await rejects(verifier().verify(mint({ aud: undefined })), 'ERR_AUDIENCE_MISMATCH')
  })

  it('ERR_NOT_A_CI_TOKEN: a GitLab user-login token signed by the same key set', async () => {
    const token = gitlab.mintUserToken({ aud: AUDIENCE }, { now: clock })
    await rejects(verifier().verify(token), 'ERR_NOT_A_CI_TOKEN')
  })

  it('ERR_TOKEN_EXPIRED, ERR_TOKEN_NOT_YET_VALID, ERR_TOKEN_TOO_OLD', async () => {
    const token = mint()
    const v = verifier({ maxTokenAge: 600 })
    await expect(v.verify(token)).resolves.toBeDefined()
    clock += 601_000 + 30_000
    await rejects(v.verify(token), 'ERR_TOKEN_TOO_OLD')
    clock += 3600_000
    await rejects(v.verify(token), 'ERR_TOKEN_EXPIRED')
    clock = Date.now()
    const future = Math.floor(clock / 1000) + 120
    await rejects(
      verifier().verify(mint({ iat: future, nbf: future - 5 })),
      'ERR_TOKEN_NOT_YET_VALID',
    )
    await rejects(verifier().verify(mint({ exp: undefined })), 'ERR_TOKEN_MALFORMED')
  })

  it('ERR_POLICY_DENIED (403): no allow rule, with per-rule reasons in details only', async () => {
    const token = mint({ project_path: 'other/thing' })
    const error = await verifier()
      .verify(token)
      .catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'ERR_POLICY_DENIED',
      status: 403,
      message: 'denied by policy',
    })
    const { headers, details } = error as {
      headers: Record<string, string>
      details: { reasons: unknown[] }
    }
    expect(headers['WWW-Authenticate']).toContain('error="insufficient_scope"')
    expect(details.reasons).toHaveLength(3)
    expect(JSON.stringify(headers)).not.toContain('other/thing')
  })

  it('ERR_POLICY_DENIED (403): a matching deny rule wins', async () => {
    const token = mint({ pipeline_source: 'merge_request_event' })
    const error = await verifier()
      .verify(token)
      .catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'ERR_POLICY_DENIED',
      status: 403,
      details: { deniedBy: 'no-mr' },
    })
  })

  it('ERR_TOKEN_REPLAYED: a second use of the same jti, also through the result cache', async () => {
    const v = verifier({ replay: { store: createMemoryReplayStore() } })
    const token = mint()
    await expect(v.verify(token)).resolves.toBeDefined()
    await rejects(v.verify(token), 'ERR_TOKEN_REPLAYED')
    await expect(v.verify(mint())).resolves.toBeDefined()
    await rejects(v.verify(mint({ jti: undefined })), 'ERR_TOKEN_MALFORMED')
  })

  it('ERR_TOKEN_REPLAYED with an asynchronous store', async () => {
    const seen = new Set<string>()
    const store = {
      remember: async (key: string) => (seen.has(key) ? false : (seen.add(key), true)),
    }
    const v = verifier({ replay: { store }, cache: false })
    const token = mint()
    await expect(v.verify(token)).resolves.toBeDefined()
    await rejects(v.verify(token), 'ERR_TOKEN_REPLAYED')
    expect([...seen][0]).toBe(
      `${gitlab.issuer}\n${JSON.parse(Buffer.from(parts(token)[1], 'base64url').toString()).jti}`,
    )
  })
})

describe('the verified-result cache', () => {
  afterEach(() => gitlab.setKeySetResponse('ok'))

  it('still runs the time checks on every use', async () => {
    const v = verifier()
    const token = mint()
    // Admitted on second sight: the third use is a cache hit.
    await v.verify(token)
    await v.verify(token)
    clock += 3 * 3600_000
    await rejects(v.verify(token), 'ERR_TOKEN_EXPIRED')
  })

  it('never answers for a token that differs by one byte', async () => {
    const v = verifier()
    const token = mint()
    await v.verify(token)
    await v.verify(token)
    await rejects(
      v.verify(`${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}${token.slice(-1)}`),
      'ERR_SIGNATURE_INVALID',
    )
  })
})

describe('configuration', () => {
  it('refuses a replay store without remember()', () => {
    expect(() =>
      createVerifier({ audience: AUDIENCE, policy, replay: { store: {} as never } }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG', status: 500 }))
  })

  it('requires a policy and refuses one that pins no tenant', () => {
    expect(() => createVerifier({ audience: AUDIENCE } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG', status: 500 }),
    )
    expect(() =>
      createVerifier({
        audience: AUDIENCE,
        policy: { allow: [{ match: { ref_protected: true } }] },
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }))
    expect(() =>
      createVerifier({
        audience: AUDIENCE,
        // A private instance: on gitlab.com allowAnyProject needs a louder opt-in (policy tests).
        issuer: 'https://gitlab.example.com',
        allowAnyProject: true,
        policy: { allow: [{ match: { ref_protected: true } }] },
      }),
    ).not.toThrow()
  })
})

describe('header members that name keys are never used', () => {
  let attacker: Server
  let hits = 0
  let attackerUrl = ''
  beforeAll(async () => {
    attacker = createServer((_req, res) => {
      hits += 1
      res.end('{}')
    })
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => attacker.close(() => resolve())))

  it('ignores jku, x5u and jwk and fetches nothing from them', async () => {
    const token = mint()
    const [headerPart, payload, signature] = parts(token)
    const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString()) as Record<
      string,
      unknown
    >
    const v = verifier()
    const forged = `${b64({ ...header, jku: `${attackerUrl}/jwks`, x5u: `${attackerUrl}/x5u`, jwk: { kty: 'RSA' } })}.${payload}.${signature}`
    // The header is signed, so changing it breaks the signature; nothing else may happen.
    await rejects(v.verify(forged), 'ERR_SIGNATURE_INVALID')
    expect(hits).toBe(0)
  })
})
