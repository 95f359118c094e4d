/**
 * Attack corpus, part 4: how the credential travels. Duplicate and doubled credentials, scheme
 * case (RFC 7235 §2.1), the token in the query string (refused unless the app opts in through
 * `getToken`, RFC 6750 §2.3 discourages it), and oversized headers. Through Express, Fastify and
 * Koa.
 */

import { expect } from 'vitest'
import { runCorpus, type Check, type CorpusCase } from './support/corpus.js'
import { b64url } from './support/forge.js'

const INVALID_REQUEST = { status: 400, code: 'ERR_INVALID_REQUEST' } as const
const MISSING = { status: 401, code: 'ERR_TOKEN_MISSING' } as const
const MALFORMED = { status: 401, code: 'ERR_TOKEN_MALFORMED' } as const
const ACCEPTED = { status: 200 } as const

const bareChallenge: Check = (response) => {
  expect(response.headers['www-authenticate']).toBe('Bearer realm="gitlab-id-token"')
}

const neverReachedTheCore: Check = (_response, _ctx, app) => {
  expect(app.verifyCalls).toBe(app.verifyCallsBefore)
}

/**
 * A well-formed `alg: none` token of about `bytes` characters: decoding it would answer
 * ERR_ALGORITHM_NOT_ALLOWED, so ERR_TOKEN_MALFORMED proves the size cap ran first.
 */
function oversizedNoneToken(bytes: number): string {
  const head = b64url({ alg: 'none', typ: 'JWT' })
  const padding = 'x'.repeat(Math.floor(((bytes - head.length - 2) * 3) / 4) - 16)
  return `${head}.${b64url({ padding })}.`
}

const cases: CorpusCase[] = [
  {
    name: 'control: "Bearer <token>"',
    request: (ctx) => ({ token: ctx.valid() }),
    expect: ACCEPTED,
  },
  {
    name: 'lowercase scheme "bearer <token>" (accepted, RFC 7235 §2.1)',
    request: (ctx) => ({ headers: { authorization: `bearer ${ctx.valid()}` } }),
    expect: ACCEPTED,
  },
  {
    name: 'uppercase scheme "BEARER <token>" (accepted)',
    request: (ctx) => ({ headers: { authorization: `BEARER ${ctx.valid()}` } }),
    expect: ACCEPTED,
  },
  {
    name: 'two Authorization headers, both valid bearer tokens',
    request: (ctx) => ({
      headers: { authorization: [`Bearer ${ctx.valid()}`, `Bearer ${ctx.valid()}`] },
    }),
    expect: INVALID_REQUEST,
    check: neverReachedTheCore,
  },
  {
    name: 'two Authorization headers: a valid bearer token, then Basic',
    request: (ctx) => ({ headers: { authorization: [`Bearer ${ctx.valid()}`, 'Basic dTpw'] } }),
    expect: INVALID_REQUEST,
  },
  {
    name: 'two credentials in one header ("Bearer a, Bearer b")',
    request: (ctx) => ({
      headers: { authorization: `Bearer ${ctx.valid()}, Bearer ${ctx.valid()}` },
    }),
    expect: INVALID_REQUEST,
  },
  {
    name: 'scheme twice ("Bearer Bearer <token>")',
    request: (ctx) => ({ headers: { authorization: `Bearer Bearer ${ctx.valid()}` } }),
    expect: INVALID_REQUEST,
  },
  {
    name: '"Bearer" with no token',
    request: () => ({ headers: { authorization: 'Bearer' } }),
    expect: INVALID_REQUEST,
  },
  {
    // The adapters slice "Bearer <word>" without the grammar; the grammar still decides here.
    name: 'a valid token with a double quote appended (outside b64token)',
    request: (ctx) => ({ headers: { authorization: `Bearer ${ctx.valid()}"` } }),
    expect: INVALID_REQUEST,
  },
  {
    name: 'two tokens joined by a comma, no space ("Bearer a,b")',
    request: (ctx) => ({ headers: { authorization: `Bearer ${ctx.valid()},${ctx.valid()}` } }),
    expect: INVALID_REQUEST,
  },
  {
    name: 'b64token padding after a valid token ("Bearer <token>==", grammatical but not a JWS)',
    request: (ctx) => ({ headers: { authorization: `Bearer ${ctx.valid()}==` } }),
    expect: MALFORMED,
  },
  {
    name: 'several spaces after the scheme (accepted, RFC 6750 §2.1: 1*SP)',
    request: (ctx) => ({ headers: { authorization: `Bearer   ${ctx.valid()}` } }),
    expect: ACCEPTED,
  },
  {
    name: 'no Authorization header',
    request: () => ({}),
    expect: MISSING,
    check: bareChallenge,
  },
  {
    name: 'another scheme (Basic)',
    request: () => ({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
    expect: MISSING,
    check: bareChallenge,
  },
  {
    name: 'token in the query string (?access_token=), default configuration',
    request: (ctx) => ({ path: `/whoami?access_token=${ctx.valid()}` }),
    expect: MISSING,
    check: neverReachedTheCore,
  },
  {
    name: 'control: token in the query string when the app opts in with getToken',
    config: 'query-token',
    request: (ctx) => ({ path: `/whoami?access_token=${ctx.valid()}` }),
    expect: ACCEPTED,
  },
  {
    name: '1 MB Authorization header (Node answers 431 before any middleware runs)',
    request: () => ({ headers: { authorization: `Bearer ${'a'.repeat(1024 * 1024)}` } }),
    expect: { status: 431 },
    check: neverReachedTheCore,
  },
  {
    name: '40 KB alg:none token, header limit raised: refused by the size cap before any decoding',
    config: 'large-headers',
    request: () => ({ token: oversizedNoneToken(40 * 1024) }),
    expect: MALFORMED,
  },
  {
    name: '1 MB token, header limit raised: refused by the size cap before any decoding',
    config: 'large-headers',
    request: () => ({ token: oversizedNoneToken(1024 * 1024) }),
    expect: MALFORMED,
  },
  {
    name: 'control: a 30 KB alg:none token, header limit raised, is decoded (so the cap is what refuses above)',
    config: 'large-headers',
    request: () => ({ token: oversizedNoneToken(30 * 1024) }),
    expect: { status: 401, code: 'ERR_ALGORITHM_NOT_ALLOWED' },
  },
]

runCorpus('transport attacks', cases)
