/**
 * Attack corpus, part 2: signature games and encoding tricks. A stripped or borrowed signature, a
 * signature by a key that is not in the key set, a second key published under the same `kid`, one
 * flipped bit, and every non-canonical spelling of base64url (padding, the standard alphabet,
 * whitespace, stray dots, spare trailing bits). Through Express, Fastify and Koa.
 */

import { expect } from 'vitest'
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
