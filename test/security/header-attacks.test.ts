/**
 * Attack corpus, part 1: the JOSE header. Algorithm confusion (`none`, HMAC keyed with the public
 * key, a signature of another family), key injection through `jwk`/`jku`/`x5u`/`x5c`, hostile
 * `kid`s, `crit`, `b64: false`, nested tokens and JWE. Every case runs through Express, Fastify and
 * Koa and asserts the exact `code` and status the client receives.
 */

import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createVerifier } from '@gitlab-id-token/core'
import { describe, expect, it } from 'vitest'
import { runCorpus, type Check, type CorpusCase } from './support/corpus.js'
import { b64url, compact, parts, withSignature } from './support/forge.js'
import { selfSignedCertificate } from './support/x509.js'

const ALGORITHM = { status: 401, code: 'ERR_ALGORITHM_NOT_ALLOWED' } as const
const MALFORMED = { status: 401, code: 'ERR_TOKEN_MALFORMED' } as const
const KEY_NOT_FOUND = { status: 401, code: 'ERR_KEY_NOT_FOUND' } as const
const SIGNATURE = { status: 401, code: 'ERR_SIGNATURE_INVALID' } as const
const ACCEPTED = { status: 200 } as const

const noRequestToAttacker: Check = (_response, ctx) => {
  expect(ctx.attacker.requests).toBe(0)
}

function algNone(alg: string, withRealSignature: boolean): CorpusCase {
  return {
    name: `alg "${alg}" ${withRealSignature ? 'with the real RS256 signature attached' : 'with an empty signature'}`,
    request: (ctx) => {
      const token = ctx.gitlab.sign(ctx.claims(), { header: { alg }, algorithm: 'none' })
      return { token: withRealSignature ? withSignature(token, parts(ctx.valid())[2]) : token }
    },
    expect: ALGORITHM,
  }
}

type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512'
type PublicKeyForm = 'PEM' | 'DER' | "JWK's n"

function hmacConfusion(alg: HmacAlgorithm, form: PublicKeyForm): CorpusCase {
  return {
    name: `${alg} keyed with the issuer's RSA public key as ${form} (algorithm confusion)`,
    request: (ctx) => {
      const { publicKey, publicJwk } = ctx.gitlab.ciKey
      // The bytes a confused verifier would use as the HMAC secret.
      const secret: Buffer =
        form === 'PEM'
          ? Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }))
          : form === 'DER'
            ? publicKey.export({ type: 'spki', format: 'der' })
            : Buffer.from(publicJwk.n)
      return { token: ctx.gitlab.sign(ctx.claims(), { header: { alg }, key: secret }) }
    },
    expect: ALGORITHM,
  }
}

/**
 * A key URL (`jku`, RFC 7515 §4.1.2; `x5u`, §4.1.5) pointing at the attacker's server, the token
 * signed with the attacker's key under its own kid (in no key set) or under the real one (which the
 * real key does not verify). Either way the verifier must not fetch the URL.
 */
function keyUrlCase(param: 'jku' | 'x5u', kid: 'attacker' | 'real'): CorpusCase {
  const path = param === 'jku' ? '/jwks.json' : '/cert.pem'
  return {
    name: `${param} pointing at an attacker server on loopback, ${kid === 'real' ? 'real kid' : "attacker's kid"}`,
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), {
        key: kid === 'real' ? ctx.attackerKey.privateKey : ctx.attackerKey,
        header: { [param]: `${ctx.attacker.url}${path}` },
      }),
    }),
    expect: kid === 'real' ? SIGNATURE : KEY_NOT_FOUND,
    check: noRequestToAttacker,
  }
}

let jwksFetchesBefore = 0

const cases: CorpusCase[] = [
  {
    name: 'control: a valid token',
    request: (ctx) => ({ token: ctx.valid() }),
    expect: ACCEPTED,
  },
  ...['none', 'None', 'NONE'].flatMap((alg) => [algNone(alg, false), algNone(alg, true)]),
  {
    name: 'alg "none" with no signature segment at all (two parts)',
    request: (ctx) => ({
      token: ctx.gitlab
        .sign(ctx.claims(), { header: { alg: 'none' }, algorithm: 'none' })
        .slice(0, -1),
    }),
    expect: MALFORMED,
  },
  ...(['HS256', 'HS384', 'HS512'] as const).flatMap((alg) =>
    (['PEM', 'DER', "JWK's n"] as const).map((form) => hmacConfusion(alg, form)),
  ),
  {
    name: 'RS256 header over an ES256 signature',
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), { key: ctx.ecKey.privateKey, algorithm: 'ES256' }),
    }),
    expect: SIGNATURE,
  },
  {
    name: 'RS256 header over a PS256 signature by the real CI key',
    request: (ctx) => ({ token: ctx.gitlab.sign(ctx.claims(), { algorithm: 'PS256' }) }),
    expect: SIGNATURE,
  },
  {
    name: 'PS256, correctly signed by the real CI key, when only RS256 is allowed',
    request: (ctx) => ({ token: ctx.gitlab.sign(ctx.claims(), { header: { alg: 'PS256' } }) }),
    expect: ALGORITHM,
  },
  {
    name: 'ES256 header and signature when only RS256 is allowed',
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), { header: { alg: 'ES256' }, key: ctx.ecKey.privateKey }),
    }),
    expect: ALGORITHM,
  },
  {
    name: 'EdDSA header and signature when only RS256 is allowed',
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), {
        header: { alg: 'EdDSA' },
        key: generateKeyPairSync('ed25519').privateKey,
      }),
    }),
    expect: ALGORITHM,
  },
  {
    name: 'alg missing',
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), { header: { alg: undefined }, algorithm: 'RS256' }),
    }),
    expect: ALGORITHM,
  },
  {
    name: 'alg "rs256" (wrong case)',
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), { header: { alg: 'rs256' }, algorithm: 'RS256' }),
    }),
    expect: ALGORITHM,
  },
  {
    name: 'alg as an array ["RS256"]',
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), { header: { alg: ['RS256'] }, algorithm: 'RS256' }),
    }),
    expect: ALGORITHM,
  },
  {
    name: "embedded jwk with the attacker's key and kid",
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), {
        key: ctx.attackerKey,
        header: { jwk: ctx.attackerKey.publicJwk },
      }),
    }),
    expect: KEY_NOT_FOUND,
  },
  {
    name: "embedded jwk with the attacker's key under the real kid",
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), {
        key: ctx.attackerKey.privateKey,
        header: { jwk: { ...ctx.attackerKey.publicJwk, kid: ctx.gitlab.ciKey.kid } },
      }),
    }),
    expect: SIGNATURE,
  },
  ...(['jku', 'x5u'] as const).flatMap((param) => [
    keyUrlCase(param, 'attacker'),
    keyUrlCase(param, 'real'),
  ]),
  {
    name: 'x5c with a self-signed certificate of the signing key, real kid',
    request: (ctx) => {
      const { privateKey, publicKey } = ctx.attackerKey
      const der = selfSignedCertificate(privateKey, publicKey, 'gitlab.com')
      return {
        token: ctx.gitlab.sign(ctx.claims(), {
          key: privateKey,
          header: { x5c: [der.toString('base64')] },
        }),
      }
    },
    expect: SIGNATURE,
  },
  {
    name: 'x5c with a self-signed certificate of the signing key, no kid',
    request: (ctx) => {
      const { privateKey, publicKey } = ctx.attackerKey
      const der = selfSignedCertificate(privateKey, publicKey, 'gitlab.com')
      return {
        token: ctx.gitlab.sign(ctx.claims(), {
          key: privateKey,
          header: { kid: undefined, x5c: [der.toString('base64')] },
        }),
      }
    },
    expect: KEY_NOT_FOUND,
  },
  ...[
    ['kid "../../dev/null"', '../../dev/null'],
    ['kid "\' OR 1=1 --"', "' OR 1=1 --"],
    ['kid "__proto__"', '__proto__'],
    ['kid "" (empty)', ''],
    ['kid 42 (a number)', 42],
    ['kid {} (an object)', {}],
    ['kid [real kid] (an array)', 'ARRAY'],
    ['kid null', null],
  ].map(([label, kid]): CorpusCase => ({
    name: `${label as string}, signed by the real CI key`,
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), {
        header: { kid: kid === 'ARRAY' ? [ctx.gitlab.ciKey.kid] : kid },
      }),
    }),
    expect: KEY_NOT_FOUND,
  })),
  {
    name: 'kid missing, signed by the real CI key',
    request: (ctx) => ({ token: ctx.gitlab.sign(ctx.claims(), { header: { kid: undefined } }) }),
    expect: KEY_NOT_FOUND,
  },
  {
    name: 'kid of 10 KB (header limit raised so the core sees it): refused before any key-set fetch',
    config: 'large-headers',
    request: (ctx) => {
      jwksFetchesBefore = ctx.gitlab.requests.jwks
      return { token: ctx.gitlab.sign(ctx.claims(), { header: { kid: 'k'.repeat(10 * 1024) } }) }
    },
    expect: KEY_NOT_FOUND,
    check: (_response, ctx) => expect(ctx.gitlab.requests.jwks).toBe(jwksFetchesBefore),
  },
  {
    name: 'crit naming an unknown extension',
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), {
        header: { crit: ['urn:example:ext'], 'urn:example:ext': 1 },
      }),
    }),
    expect: MALFORMED,
  },
  {
    name: 'crit: [] (empty list, invalid per RFC 7515 §4.1.11)',
    request: (ctx) => ({ token: ctx.gitlab.sign(ctx.claims(), { header: { crit: [] } }) }),
    expect: MALFORMED,
  },
  {
    name: 'b64: false with crit ["b64"] (RFC 7797 unencoded payload)',
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), { header: { b64: false, crit: ['b64'] } }),
    }),
    expect: MALFORMED,
  },
  {
    name: 'b64: false without crit',
    request: (ctx) => ({ token: ctx.gitlab.sign(ctx.claims(), { header: { b64: false } }) }),
    expect: MALFORMED,
  },
  {
    name: 'control: b64: true (the RFC 7797 default) on a valid token',
    request: (ctx) => ({ token: ctx.gitlab.sign(ctx.claims(), { header: { b64: true } }) }),
    expect: ACCEPTED,
  },
  {
    name: 'cty: "JWT" with a nested signed token as the payload, outer signed by the real key',
    request: (ctx) => ({ token: ctx.gitlab.sign(ctx.valid(), { header: { cty: 'JWT' } }) }),
    expect: MALFORMED,
  },
  {
    name: 'JWE compact serialisation (five parts)',
    request: (ctx) => ({
      token: [
        b64url({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: ctx.gitlab.ciKey.kid }),
        b64url(randomBytes(256)),
        b64url(randomBytes(12)),
        b64url(randomBytes(300)),
        b64url(randomBytes(16)),
      ].join('.'),
    }),
    expect: MALFORMED,
  },
  {
    name: 'header that is a JSON string, not an object',
    request: (ctx) => ({ token: compact('"RS256"', ctx.claims(), parts(ctx.valid())[2]) }),
    expect: MALFORMED,
  },
  {
    name: 'header that is a JSON array',
    request: (ctx) => ({
      token: compact('[{"alg":"RS256"}]', ctx.claims(), parts(ctx.valid())[2]),
    }),
    expect: MALFORMED,
  },
  {
    name: 'header that is not JSON',
    request: (ctx) => ({ token: compact('{alg:RS256}', ctx.claims(), parts(ctx.valid())[2]) }),
    expect: MALFORMED,
  },
]

runCorpus('header attacks', cases)

describe('configuration guard: none and HMAC can never be allowed', () => {
  for (const alg of ['none', 'None', 'HS256', 'HS384', 'HS512', 'hs256']) {
    it(`algorithms: ['RS256', '${alg}'] → ERR_INVALID_CONFIG at createVerifier`, () => {
      const create = () =>
        createVerifier({
          audience: 'https://deploy.example.com',
          algorithms: ['RS256', alg],
          policy: { allow: [{ match: { project_id: '42' } }] },
        })
      expect(create).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG', status: 500 }))
    })
  }
})
