/**
 * The adapter contract: one behavioural suite that every framework adapter must pass unchanged
 * (the bull-board pattern). An adapter is "done" when `runAdapterContract` passes for it; a harness
 * only builds the app below in its framework's idiom and listens on 127.0.0.1, port 0.
 *
 * The app every harness builds:
 * - verification on every route (`verifyGitlabIdToken(options)`);
 * - `GET /whoami` → 200 `describeResult(result)` (the handler's view of the verified token);
 * - `GET /deploy` → requires the grant `deploy`, then 200 `{ deployed: project_path }`;
 * - errors rendered as JSON with `renderError` (status, headers and `{ error, error_description,
 *   code, request_id }`), the pattern the adapter READMEs document;
 * - every framework request recorded in `requests` before verification, so the suite can check
 *   that `onDecision` receives the framework's own request object.
 */

import {
  createVerifier,
  isGitlabIdTokenError,
  type Policy,
  type Verifier,
  type VerifierOptions,
  type VerifyResult,
} from '@gitlab-id-token/core'
import { createMockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, send, type HttpResponse } from './http.js'

type DecisionEvent = Parameters<NonNullable<VerifierOptions['onDecision']>>[0]

export const CONTRACT_AUDIENCE = 'https://contract.example.com'

export const contractPolicy: Policy = {
  allow: [
    {
      name: 'widget-deployers',
      match: { project_path: 'acme/widget', ref_protected: true },
      grants: ['deploy', 'read'],
    },
    {
      name: 'acme-readers',
      match: { namespace_path: ['acme', { glob: 'acme/**' }] },
      grants: ['read'],
    },
  ],
}

/** What a harness passes to its adapter: the core's options or a shared verifier. */
export type ContractOptions = VerifierOptions | { readonly verifier: Verifier }

export interface ContractApp {
  readonly url: string
  /** Every framework request the app received (Express `req`, `FastifyRequest`, Koa `ctx`), in order. */
  readonly requests: readonly unknown[]
  close(): Promise<void>
}

/**
 * How a harness may deviate from the contract app; the contract itself uses none of these (the
 * security suites in test/security do).
 */
export interface HarnessOptions {
  /**
   * Read the token from `?access_token=` through the adapter's `getToken` (the opt-in) instead of
   * the `Authorization` header.
   */
  readonly queryToken?: boolean
  /** Node's header limit for the app's server (Node's default: 16 KiB). */
  readonly maxHeaderSize?: number
  /** The adapter's `optional: true`: a request without a credential runs unauthenticated. */
  readonly optional?: boolean
}

export type MakeHarness = (
  options: ContractOptions,
  harness?: HarnessOptions,
) => Promise<ContractApp>

/**
 * The `/whoami` body: enough for tests to see which claim values the policy saw. Its parameter
 * type is what proves, at compile time, that each framework's request property is a typed
 * `VerifyResult` (no casts in the harnesses).
 */
export function describeResult(result: VerifyResult | null | undefined): object {
  if (!result) return { result: null }
  return {
    project_path: result.claims.project_path,
    project_id: result.claims.project_id,
    job_project_id: result.claims.job_project_id,
    ref_protected: result.claims.ref_protected,
    runner_id: result.claims.runner_id,
    grants: result.grants,
    rules: result.rules,
    issuer: result.issuer,
    expiresAt: result.expiresAt.toISOString(),
  }
}

/**
 * The documented JSON rendering of an error; anything else is an opaque 500 whose `code` no
 * adapter error has, so a suite comparing codes reports it rather than matching it.
 */
export function renderError(error: unknown): {
  status: number
  headers: Readonly<Record<string, string>>
  body: object
} {
  if (isGitlabIdTokenError(error)) {
    return { status: error.status, headers: error.headers, body: error.toJSON() }
  }
  return { status: 500, headers: {}, body: { error: 'server_error', code: 'UNEXPECTED' } }
}

const BARE_CHALLENGE = 'Bearer realm="gitlab-id-token"'

function expectError(
  res: HttpResponse,
  status: number,
  code: string,
  error: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | undefined,
): void {
  expect({ status: res.status, code: res.json?.code }).toEqual({ status, code })
  const challenge = res.headers['www-authenticate']
  if (error === undefined) {
    expect(challenge).toBe(BARE_CHALLENGE)
    expect(challenge).not.toContain('error=')
  } else {
    expect(challenge).toMatch(new RegExp(`^Bearer realm="gitlab-id-token", error="${error}"`))
    expect(res.json.error).toBe(error)
  }
  expect(Object.keys(res.json as object).sort()).toEqual([
    'code',
    'error',
    'error_description',
    'request_id',
  ])
  expect(res.json.request_id).toMatch(REQUEST_ID)
}

/** What a `request_id` looks like: short, opaque, printable (Fastify's `req-1` included). */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/

/** Nothing a client did not send comes back: no token, and no rule names or policy values. */
function expectNoLeak(res: HttpResponse, token: string): void {
  const everything = res.text + JSON.stringify(res.headers)
  expect(everything).not.toContain(token)
  expect(everything).not.toContain(token.split('.')[1] ?? token)
  for (const secret of ['widget-deployers', 'acme-readers', 'acme/**']) {
    expect(everything).not.toContain(secret)
  }
}

export function runAdapterContract(name: string, makeHarness: MakeHarness): void {
  describe(`adapter contract: ${name}`, () => {
    let gitlab: Awaited<ReturnType<typeof createMockGitlab>>
    let foreign: Awaited<ReturnType<typeof createMockGitlab>>
    let app: ContractApp
    const cleanup: (() => Promise<void>)[] = []

    beforeAll(async () => {
      gitlab = await createMockGitlab()
      foreign = await createMockGitlab()
      cleanup.push(
        () => gitlab.close(),
        () => foreign.close(),
      )
      app = await makeHarness({
        audience: CONTRACT_AUDIENCE,
        issuer: gitlab.issuer,
        policy: contractPolicy,
      })
      cleanup.push(() => app.close())
    })

    afterAll(async () => {
      for (const close of cleanup.reverse()) await close()
    })

    const mint = (claims: Record<string, unknown> = {}): string =>
      gitlab.mint({ aud: CONTRACT_AUDIENCE, project_path: 'acme/widget', ref: 'main', ...claims })
    const get = (path: string, headers: Record<string, string | readonly string[]> = {}) =>
      send(`${app.url}${path}`, { headers })

    describe('no bearer credential → 401 with a bare challenge (RFC 6750 §3.1)', () => {
      it('no Authorization header', async () => {
        expectError(await get('/whoami'), 401, 'ERR_TOKEN_MISSING', undefined)
      })
      it('a Basic credential', async () => {
        const res = await get('/whoami', { authorization: 'Basic dXNlcjpwYXNz' })
        expectError(res, 401, 'ERR_TOKEN_MISSING', undefined)
      })
    })

    describe('a malformed bearer credential → 400 invalid_request', () => {
      it('"Bearer" with no token', async () => {
        const res = await get('/whoami', { authorization: 'Bearer' })
        expectError(res, 400, 'ERR_INVALID_REQUEST', 'invalid_request')
      })
      it('two tokens in one header', async () => {
        const token = mint()
        const res = await get('/whoami', { authorization: `Bearer ${token} ${token}` })
        expectError(res, 400, 'ERR_INVALID_REQUEST', 'invalid_request')
      })
      it('two Authorization headers, even with a valid first one', async () => {
        // Node keeps only the first duplicate in req.headers; the adapter must see both.
        const token = mint()
        const res = await get('/whoami', { authorization: [`Bearer ${token}`, 'Bearer other'] })
        expectError(res, 400, 'ERR_INVALID_REQUEST', 'invalid_request')
        expectNoLeak(res, token)
      })
    })

    describe('a bad token → 401 invalid_token with the failing check as code', () => {
      it('malformed', async () => {
        const res = await get('/whoami', bearer('not-a.jwt'))
        expectError(res, 401, 'ERR_TOKEN_MALFORMED', 'invalid_token')
      })
      it('bad signature', async () => {
        const [header, payload] = mint().split('.')
        const signature = mint({ project_path: 'acme/other' }).split('.')[2]
        const token = `${header}.${payload}.${signature}`
        const res = await get('/whoami', bearer(token))
        expectError(res, 401, 'ERR_SIGNATURE_INVALID', 'invalid_token')
        expectNoLeak(res, token)
      })
      it('expired', async () => {
        const now = Math.floor(Date.now() / 1000)
        const token = mint({ iat: now - 7200, nbf: now - 7205, exp: now - 3600 })
        const res = await get('/whoami', bearer(token))
        expectError(res, 401, 'ERR_TOKEN_EXPIRED', 'invalid_token')
        expectNoLeak(res, token)
      })
      it('wrong audience', async () => {
        const token = mint({ aud: 'https://another-service.example.com' })
        const res = await get('/whoami', bearer(token))
        expectError(res, 401, 'ERR_AUDIENCE_MISMATCH', 'invalid_token')
        expect(res.text).not.toContain(CONTRACT_AUDIENCE)
      })
      it('untrusted issuer', async () => {
        const token = foreign.mint({ aud: CONTRACT_AUDIENCE, project_path: 'acme/widget' })
        const res = await get('/whoami', bearer(token))
        expectError(res, 401, 'ERR_ISSUER_UNTRUSTED', 'invalid_token')
        expect(res.text).not.toContain(foreign.issuer)
      })
      it('a GitLab user-login OIDC token (same issuer and keys)', async () => {
        const token = gitlab.mintUserToken({ aud: CONTRACT_AUDIENCE })
        const res = await get('/whoami', bearer(token))
        expectError(res, 401, 'ERR_NOT_A_CI_TOKEN', 'invalid_token')
      })
    })

    describe('authorization → 403 insufficient_scope', () => {
      it('denied by policy', async () => {
        const token = mint({ project_path: 'intruder/widget' })
        const res = await get('/whoami', bearer(token))
        expectError(res, 403, 'ERR_POLICY_DENIED', 'insufficient_scope')
        expectNoLeak(res, token)
      })
      it('a grant the route requires is missing', async () => {
        const token = mint({ project_path: 'acme/tool' })
        expect((await get('/whoami', bearer(token))).status).toBe(200)
        const res = await get('/deploy', bearer(token))
        expectError(res, 403, 'ERR_INSUFFICIENT_SCOPE', 'insufficient_scope')
        expectNoLeak(res, token)
      })
    })

    it('a valid token → 200; the handler sees typed claims, grants and rule names', async () => {
      const token = mint()
      const res = await get('/whoami', bearer(token))
      expect(res.status).toBe(200)
      expect(res.json).toMatchObject({
        project_path: 'acme/widget',
        ref_protected: 'true',
        grants: ['deploy', 'read'],
        rules: ['widget-deployers', 'acme-readers'],
        issuer: gitlab.issuer,
      })
      expect(typeof res.json.project_id).toBe('string')
      expect(typeof res.json.runner_id).toBe('number')
      expect(Date.parse(res.json.expiresAt as string)).toBeGreaterThan(Date.now())
      const deploy = await get('/deploy', bearer(token))
      expect({ status: deploy.status, body: deploy.json }).toEqual({
        status: 200,
        body: { deployed: 'acme/widget' },
      })
    })

    it('the scheme is case-insensitive (RFC 7235 §2.1)', async () => {
      const res = await get('/whoami', { authorization: `bEaReR ${mint()}` })
      expect(res.status).toBe(200)
    })

    it('key set down and no cached key → 503 with Retry-After', async () => {
      const down = await createMockGitlab()
      cleanup.push(() => down.close())
      down.setKeySetResponse('error')
      const outage = await makeHarness({
        audience: CONTRACT_AUDIENCE,
        issuer: down.issuer,
        policy: contractPolicy,
      })
      cleanup.push(() => outage.close())
      const token = down.mint({ aud: CONTRACT_AUDIENCE, project_path: 'acme/widget' })
      const res = await send(`${outage.url}/whoami`, { headers: bearer(token) })
      expect({ status: res.status, code: res.json?.code }).toEqual({
        status: 503,
        code: 'ERR_JWKS_UNAVAILABLE',
      })
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
      expectNoLeak(res, token)
    })

    it('1,000 concurrent first requests → one discovery and one key-set fetch', async () => {
      const fresh = await createMockGitlab()
      cleanup.push(() => fresh.close())
      const cold = await makeHarness({
        audience: CONTRACT_AUDIENCE,
        issuer: fresh.issuer,
        policy: contractPolicy,
      })
      cleanup.push(() => cold.close())
      const token = fresh.mint({ aud: CONTRACT_AUDIENCE, project_path: 'acme/widget' })
      const responses = await Promise.all(
        Array.from({ length: 1000 }, () => send(`${cold.url}/whoami`, { headers: bearer(token) })),
      )
      expect(responses.filter((res) => res.status !== 200)).toEqual([])
      expect(fresh.requests).toMatchObject({ discovery: 1, jwks: 1 })
    })

    it('{ verifier } shares one verifier, and so one key cache, across apps', async () => {
      const shared = await createMockGitlab()
      cleanup.push(() => shared.close())
      const verifier = createVerifier({
        audience: CONTRACT_AUDIENCE,
        issuer: shared.issuer,
        policy: contractPolicy,
      })
      const first = await makeHarness({ verifier })
      const second = await makeHarness({ verifier })
      cleanup.push(
        () => first.close(),
        () => second.close(),
      )
      const token = shared.mint({ aud: CONTRACT_AUDIENCE, project_path: 'acme/widget' })
      for (const base of [first.url, second.url, first.url]) {
        expect((await send(`${base}/whoami`, { headers: bearer(token) })).status).toBe(200)
      }
      expect(shared.requests).toMatchObject({ discovery: 1, jwks: 1 })
    })

    describe('decision events: the framework request and the request_id reach onDecision', () => {
      const events: { readonly event: DecisionEvent; readonly request: unknown }[] = []
      let observed: ContractApp
      let throwing: ContractApp

      beforeAll(async () => {
        const options = {
          audience: CONTRACT_AUDIENCE,
          issuer: gitlab.issuer,
          policy: contractPolicy,
        }
        observed = await makeHarness({
          ...options,
          onDecision: (event, request) => events.push({ event, request }),
        })
        throwing = await makeHarness({
          ...options,
          onDecision: () => {
            throw new Error('the log pipeline is down')
          },
        })
        cleanup.push(
          () => observed.close(),
          () => throwing.close(),
        )
      })

      const expired = () => {
        const now = Math.floor(Date.now() / 1000)
        return mint({ iat: now - 7200, nbf: now - 7205, exp: now - 3600 })
      }

      it('one event per verified request, allowed or refused, with the request_id the job got', async () => {
        events.length = 0
        const ok = await send(`${observed.url}/whoami`, { headers: bearer(mint()) })
        const refused = await send(`${observed.url}/whoami`, { headers: bearer(expired()) })
        expect([ok.status, refused.status]).toEqual([200, 401])
        expect(events.map(({ event }) => [event.outcome, event.code ?? null])).toEqual([
          ['allowed', null],
          ['refused', 'ERR_TOKEN_EXPIRED'],
        ])
        expect(events[0]?.event).toMatchObject({ rules: ['widget-deployers', 'acme-readers'] })
        expect(events[1]?.event).toMatchObject({ status: 401, requestId: refused.json.request_id })
        expect(events[1]?.event.requestId).not.toBe(events[0]?.event.requestId)
        // A request answered before verification (no credential) is no decision: no event.
        const missing = await send(`${observed.url}/whoami`)
        expectError(missing, 401, 'ERR_TOKEN_MISSING', undefined)
        expect(events).toHaveLength(2)
      })

      it('the framework request (Express req, FastifyRequest, Koa ctx) is the second argument', async () => {
        events.length = 0
        await send(`${observed.url}/whoami`, { headers: bearer(mint()) })
        await send(`${observed.url}/whoami`, { headers: bearer(expired()) })
        expect(events).toHaveLength(2)
        expect(events[0]?.request).toBe(observed.requests.at(-2))
        expect(events[1]?.request).toBe(observed.requests.at(-1))
      })

      it('a grant refusal adds one stage "grants" event, same request and request_id', async () => {
        events.length = 0
        const token = mint({ project_path: 'acme/tool' })
        const res = await send(`${observed.url}/deploy`, { headers: bearer(token) })
        expectError(res, 403, 'ERR_INSUFFICIENT_SCOPE', 'insufficient_scope')
        expect(events.map(({ event }) => [event.outcome, event.stage ?? 'verify'])).toEqual([
          ['allowed', 'verify'],
          ['refused', 'grants'],
        ])
        expect(events[1]?.event).toMatchObject({
          code: 'ERR_INSUFFICIENT_SCOPE',
          status: 403,
          grants: ['read'],
          requestId: res.json.request_id,
        })
        expect(events[0]?.event.requestId).toBe(res.json.request_id)
        expect(events[1]?.request).toBe(observed.requests.at(-1))
        expect(JSON.stringify(events.map(({ event }) => event))).not.toContain(token)
      })

      it('a throwing hook changes no answer', async () => {
        const whoami = await send(`${throwing.url}/whoami`, { headers: bearer(mint()) })
        expect(whoami.status).toBe(200)
        const refused = await send(`${throwing.url}/whoami`, { headers: bearer(expired()) })
        expectError(refused, 401, 'ERR_TOKEN_EXPIRED', 'invalid_token')
        const scope = await send(`${throwing.url}/deploy`, {
          headers: bearer(mint({ project_path: 'acme/tool' })),
        })
        expectError(scope, 403, 'ERR_INSUFFICIENT_SCOPE', 'insufficient_scope')
        const deploy = await send(`${throwing.url}/deploy`, { headers: bearer(mint()) })
        expect({ status: deploy.status, body: deploy.json }).toEqual({
          status: 200,
          body: { deployed: 'acme/widget' },
        })
      })
    })

    describe('optional: true (no credential → the route runs unauthenticated)', () => {
      let optional: ContractApp

      beforeAll(async () => {
        optional = await makeHarness(
          { audience: CONTRACT_AUDIENCE, issuer: gitlab.issuer, policy: contractPolicy },
          { optional: true },
        )
        cleanup.push(() => optional.close())
      })

      const at = (path: string, headers: Record<string, string> = {}) =>
        send(`${optional.url}${path}`, { headers })

      it('no Authorization header, or another scheme: the handler sees nothing verified', async () => {
        for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }]) {
          const res = await at('/whoami', headers)
          expect({ status: res.status, body: res.json }).toEqual({
            status: 200,
            body: { result: null },
          })
        }
      })

      it('a credential that fails is still refused', async () => {
        expectError(
          await at('/whoami', { authorization: 'Bearer' }),
          400,
          'ERR_INVALID_REQUEST',
          'invalid_request',
        )
        const forged = mint({ project_path: 'intruder/widget' })
        expectError(
          await at('/whoami', bearer(forged)),
          403,
          'ERR_POLICY_DENIED',
          'insufficient_scope',
        )
        expectError(
          await at('/whoami', bearer('not-a.jwt')),
          401,
          'ERR_TOKEN_MALFORMED',
          'invalid_token',
        )
      })

      it('a valid token is verified as without the option', async () => {
        const res = await at('/whoami', bearer(mint()))
        expect({ status: res.status, project: res.json.project_path }).toEqual({
          status: 200,
          project: 'acme/widget',
        })
      })

      it('a route that requires grants answers 401 to a request without a token', async () => {
        expectError(await at('/deploy'), 401, 'ERR_TOKEN_MISSING', undefined)
        expect((await at('/deploy', bearer(mint()))).status).toBe(200)
      })
    })
  })
}
