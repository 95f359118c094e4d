/**
 * Attack corpus, part 2: signature games and encoding tricks. A stripped or borrowed signature, a
 * signature by a key that is not in the key set, a second key published under the same `kid`, one
 * flipped bit, and every non-canonical spelling of base64url (padding, the standard alphabet,
 * whitespace, stray dots, spare trailing bits), and with PS256/ES256 enabled the non-canonical
 * spellings of the signature value itself (a PSS signature with its leading zero byte stripped,
 * the high-S twin of an ECDSA signature). Through Express, Fastify and Koa.
 */

import { generateKeyPairSync } from 'node:crypto'
import { createVerifier } from '@gitlab-id-token/core'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCorpus, type CorpusCase, type CorpusContext } from './support/corpus.js'
import {
  b64url,
  decodePart,
  flipBit,
  nonCanonicalTwin,
  parts,
  toStandardBase64,
  withSignature,
} from './support/forge.js'
import { FAULT_AUDIENCE, faultPolicy } from './support/fault-rig.js'
import { bearer, sendRaw } from './support/http.js'
import { FRAMEWORKS, startApp, type RunningApp } from './support/servers.js'

const MALFORMED = { status: 401, code: 'ERR_TOKEN_MALFORMED' } as const
const SIGNATURE = { status: 401, code: 'ERR_SIGNATURE_INVALID' } as const
const INVALID_REQUEST = { status: 400, code: 'ERR_INVALID_REQUEST' } as const
const ACCEPTED = { status: 200 } as const

/** A valid token whose signature, in standard base64, uses `+` or `/` (most do; retry until so). */
function tokenWithStandardAlphabetSignature(ctx: CorpusContext): string {
  for (;;) {
    const token = ctx.valid()
    const standard = toStandardBase64(parts(token)[2]).replace(/=+$/, '')
    if (/[+/]/.test(standard)) return withSignature(token, standard)
  }
}

const signatureBytes = (token: string): Buffer => Buffer.from(parts(token)[2], 'base64url')

/**
 * Flips the lowest bit of the last character of `needle` inside the decoded JSON of segment
 * `index`, so the segment stays valid JSON and only the signature can tell.
 */
function flipJsonBit(token: string, index: 0 | 1, needle: string): string {
  const segments = parts(token)
  const bytes = Buffer.from(segments[index], 'base64url')
  const at = bytes.indexOf(needle) + needle.length - 1
  expect(at).toBeGreaterThan(0)
  bytes[at] = (bytes[at] ?? 0) ^ 0x01
  segments[index] = bytes.toString('base64url')
  return segments.join('.')
}

const cases: CorpusCase[] = [
  {
    name: 'stripped signature (header.payload.)',
    request: (ctx) => ({ token: withSignature(ctx.valid(), '') }),
    expect: SIGNATURE,
  },
  {
    name: 'signature of another valid token by the same key',
    request: (ctx) => ({
      token: withSignature(ctx.valid(), parts(ctx.valid({ project_path: 'acme/other' }))[2]),
    }),
    expect: SIGNATURE,
  },
  {
    name: 'signed by a key in no key set, under the real kid',
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), { key: ctx.attackerKey.privateKey }),
    }),
    expect: SIGNATURE,
  },
  {
    name: "kid of GitLab's user-login OIDC key, signed by the CI key",
    request: (ctx) => ({ token: ctx.valid({}, { header: { kid: ctx.gitlab.userKey.kid } }) }),
    expect: SIGNATURE,
  },
  {
    name: 'duplicate kid in the key set: the real CI key still verifies (no denial of service)',
    config: 'duplicate-kid',
    request: (ctx) => ({ token: ctx.valid() }),
    expect: ACCEPTED,
  },
  {
    name: 'duplicate kid in the key set: the second published key verifies too (the key set is the trust root)',
    config: 'duplicate-kid',
    request: (ctx) => ({ token: ctx.gitlab.sign(ctx.claims(), { key: ctx.impostorKey }) }),
    expect: ACCEPTED,
  },
  {
    name: 'duplicate kid in the key set: a third, unpublished key under that kid',
    config: 'duplicate-kid',
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), { key: ctx.attackerKey.privateKey }),
    }),
    expect: SIGNATURE,
  },
  {
    name: 'one bit flipped in the payload (still valid JSON: ref "main" → "mahn")',
    request: (ctx) => {
      const token = flipJsonBit(ctx.valid(), 1, '"ref":"mai')
      expect(decodePart(parts(token)[1]).ref).toBe('mahn')
      return { token }
    },
    expect: SIGNATURE,
  },
  {
    name: 'one bit flipped in the header (still valid JSON: typ "JWT" → "JWU")',
    request: (ctx) => {
      const token = flipJsonBit(ctx.valid(), 0, '"typ":"JWT')
      expect(decodePart(parts(token)[0]).typ).toBe('JWU')
      return { token }
    },
    expect: SIGNATURE,
  },
  {
    name: 'one bit flipped in the signature',
    request: (ctx) => ({ token: flipBit(ctx.valid(), 2, 100, 3) }),
    expect: SIGNATURE,
  },
  {
    name: 'signature truncated by 3 bytes (canonical base64url)',
    request: (ctx) => {
      const token = ctx.valid()
      return { token: withSignature(token, b64url(signatureBytes(token).subarray(0, -3))) }
    },
    expect: SIGNATURE,
  },
  {
    name: 'signature with 3 zero bytes appended (canonical base64url)',
    request: (ctx) => {
      const token = ctx.valid()
      return {
        token: withSignature(
          token,
          b64url(Buffer.concat([signatureBytes(token), Buffer.alloc(3)])),
        ),
      }
    },
    expect: SIGNATURE,
  },
  {
    name: 'signature in standard base64 with "=" padding (same bytes)',
    request: (ctx) => {
      const token = ctx.valid()
      return { token: withSignature(token, toStandardBase64(parts(token)[2])) }
    },
    expect: MALFORMED,
  },
  {
    name: 'signature in the standard alphabet "+" "/" without padding (same bytes)',
    request: (ctx) => ({ token: tokenWithStandardAlphabetSignature(ctx) }),
    expect: MALFORMED,
  },
  {
    name: 'signature whose last character carries non-zero spare bits (same bytes, RFC 4648 §3.5)',
    request: (ctx) => {
      const token = ctx.valid()
      const twin = nonCanonicalTwin(parts(token)[2])
      expect(twin).toBeDefined()
      return { token: withSignature(token, twin ?? '') }
    },
    expect: MALFORMED,
  },
  {
    name: 'header padded with "=" (rejected by the Bearer syntax, RFC 6750 §2.1)',
    request: (ctx) => {
      const [header, payload, signature] = parts(ctx.valid())
      return { token: `${header}==.${payload}.${signature}` }
    },
    expect: INVALID_REQUEST,
  },
  {
    name: 'whitespace inside the token',
    request: (ctx) => {
      const [header, payload, signature] = parts(ctx.valid())
      return { token: `${header}.${payload.slice(0, 20)} ${payload.slice(20)}.${signature}` }
    },
    expect: INVALID_REQUEST,
  },
  {
    name: 'trailing dot (four parts)',
    request: (ctx) => ({ token: `${ctx.valid()}.` }),
    expect: MALFORMED,
  },
  {
    name: 'leading dot',
    request: (ctx) => ({ token: `.${ctx.valid()}` }),
    expect: MALFORMED,
  },
  {
    name: 'two tokens joined by a dot (six parts)',
    request: (ctx) => ({ token: `${ctx.valid()}.${ctx.valid()}` }),
    expect: MALFORMED,
  },
  {
    name: 'empty payload segment',
    request: (ctx) => {
      const [header, , signature] = parts(ctx.valid())
      return { token: `${header}..${signature}` }
    },
    expect: MALFORMED,
  },
  {
    name: 'segment of length 1 mod 4 (no byte string encodes to it)',
    request: (ctx) => {
      const [header, payload, signature] = parts(ctx.valid())
      const odd =
        payload.length % 4 === 1
          ? payload
          : `${payload}${'A'.repeat((5 - (payload.length % 4)) % 4)}`
      return { token: `${header}.${odd}.${signature}` }
    },
    expect: MALFORMED,
  },
]

runCorpus('signature attacks', cases)

// The order n of P-256 (SEC 2 §2.4.2).
const P256_N = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551')
const toBytes = (value: bigint, length: number): Buffer =>
  Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex')

describe('signature spellings with PS256 and ES256 enabled (one accepted spelling per token)', () => {
  let gitlab: MockGitlab
  const apps = new Map<string, RunningApp>()
  let psLeadingZero = ''
  let esLowS = ''
  const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const claims = () => ({ aud: FAULT_AUDIENCE, project_path: 'acme/widget' })

  beforeAll(async () => {
    gitlab = await createMockGitlab()
    gitlab.publishKeys([
      { ...ecKey.publicKey.export({ format: 'jwk' }), kid: 'ec-p256', alg: 'ES256', use: 'sig' },
      { ...gitlab.ciKey.publicJwk, kid: 'ci-pss', alg: 'PS256' },
    ])
    // About one PSS signature in 256 starts with a zero byte; the loop is bounded.
    for (let i = 0; i < 20_000 && psLeadingZero === ''; i += 1) {
      const token = gitlab.sign(gitlab.buildClaims(claims()), {
        header: { alg: 'PS256', kid: 'ci-pss' },
      })
      if (signatureOf(token)[0] === 0) psLeadingZero = token
    }
    // Half of all ECDSA signatures are low-S; the loop is bounded.
    for (let i = 0; i < 200 && esLowS === ''; i += 1) {
      const token = gitlab.sign(gitlab.buildClaims(claims()), {
        header: { alg: 'ES256', kid: 'ec-p256' },
        key: ecKey.privateKey,
      })
      if (BigInt(`0x${signatureOf(token).subarray(32).toString('hex')}`) <= P256_N / 2n) {
        esLowS = token
      }
    }
    const verifier = createVerifier({
      issuer: gitlab.issuer,
      audience: FAULT_AUDIENCE,
      policy: faultPolicy,
      algorithms: ['RS256', 'PS256', 'ES256'],
    })
    for (const framework of FRAMEWORKS) apps.set(framework, await startApp(framework, { verifier }))
  })

  afterAll(async () => {
    for (const app of apps.values()) await app.close()
    await gitlab.close()
  })

  const signatureOf = (token: string): Buffer => Buffer.from(parts(token)[2], 'base64url')
  const spellings: {
    name: string
    token: () => string
    expect: { status: number; code?: string }
  }[] = [
    {
      name: 'control: PS256 signature whose first byte is 0x00',
      token: () => psLeadingZero,
      expect: ACCEPTED,
    },
    {
      name: 'PS256 signature with its leading 0x00 stripped (255 bytes; OpenSSL verifies it)',
      token: () => withSignature(psLeadingZero, b64url(signatureOf(psLeadingZero).subarray(1))),
      expect: SIGNATURE,
    },
    {
      name: 'PS256 signature with a 0x00 prepended (257 bytes)',
      token: () =>
        withSignature(
          psLeadingZero,
          b64url(Buffer.concat([Buffer.alloc(1), signatureOf(psLeadingZero)])),
        ),
      expect: SIGNATURE,
    },
    { name: 'control: ES256 low-S signature', token: () => esLowS, expect: ACCEPTED },
    {
      name: 'ES256 high-S twin (r, n − s) of a valid signature (ECDSA verifies both)',
      token: () => {
        const signature = signatureOf(esLowS)
        const s = BigInt(`0x${signature.subarray(32).toString('hex')}`)
        const twin = Buffer.concat([signature.subarray(0, 32), toBytes(P256_N - s, 32)])
        return withSignature(esLowS, b64url(twin))
      },
      expect: SIGNATURE,
    },
  ]

  for (const framework of FRAMEWORKS) {
    describe(framework, () => {
      for (const spelling of spellings) {
        it(`${spelling.name} → ${spelling.expect.code ?? 'accepted'} ${spelling.expect.status}`, async () => {
          expect(psLeadingZero).not.toBe('')
          expect(esLowS).not.toBe('')
          const app = apps.get(framework)
          if (app === undefined) throw new Error(`${framework} did not start`)
          const response = await sendRaw(`${app.url}/whoami`, { headers: bearer(spelling.token()) })
          expect(response.status).toBe(spelling.expect.status)
          if (spelling.expect.code !== undefined) {
            expect((response.json as { code?: string } | undefined)?.code).toBe(
              spelling.expect.code,
            )
            expect(response.headers['www-authenticate']).toBe(
              'Bearer realm="gitlab-id-token", error="invalid_token", error_description="invalid signature"',
            )
          }
        })
      }
    })
  }
})
