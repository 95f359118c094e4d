/**
 * Property (1): whatever arrives as a token — any string, any bytes, any structured garbage, any
 * mutation of a valid token — `verify()` rejects with a `GitlabIdTokenError` carrying a documented
 * code, never throws anything else, and never accepts unless the input is byte-identical to a
 * valid token. Seeded; `FUZZ_RUNS` raises the run count.
 */

import { createVerifier, isGitlabIdTokenError, type Verifier } from '@gitlab-id-token/core'
import { createMockGitlab, generateSigningKey, type MockGitlab } from '@gitlab-id-token/testing'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { b64url, parts } from './support/forge.js'
import { fuzzParameters, VERIFY_CODES } from './support/fuzz.js'

const AUDIENCE = 'https://fuzz.example.com'
let gitlab: MockGitlab
let verifier: Verifier
let valid: string

beforeAll(async () => {
  gitlab = await createMockGitlab()
  verifier = createVerifier({
    issuer: gitlab.issuer,
    audience: AUDIENCE,
    policy: { allow: [{ match: { project_path: 'acme/widget' } }] },
  })
  valid = gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget' })
  await verifier.verify(valid) // warm the key set; the property below must also accept it
})

afterAll(async () => {
  await gitlab.close()
})

/** Resolves `'accepted'`, or the documented code; anything else fails the property. */
async function answer(token: unknown): Promise<string> {
  try {
    await verifier.verify(token)
    return 'accepted'
  } catch (error) {
    if (!isGitlabIdTokenError(error)) throw error
    expect(VERIFY_CODES.has(error.code)).toBe(true)
    return error.code
  }
}

async function rejected(token: unknown): Promise<void> {
  expect(await answer(token)).not.toBe('accepted')
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const tokenChar = fc.constantFrom(...BASE64URL, '.', '=', '+', '/', ' ', '\u0000', 'é', '😀')

type Mutation =
  | { readonly op: 'replace' | 'insert'; readonly at: number; readonly char: string }
  | { readonly op: 'charBit'; readonly at: number; readonly bit: number }
  | { readonly op: 'delete' | 'truncate'; readonly at: number }
  | { readonly op: 'swap'; readonly a: 0 | 1 | 2; readonly b: 0 | 1 | 2 }
  | { readonly op: 'bit'; readonly segment: 0 | 1 | 2; readonly at: number; readonly bit: number }

/** Positions biased to the edges where decoders go wrong: both ends of every segment. */
function position(length: number, dots: readonly number[]): fc.Arbitrary<number> {
  const edges = [0, 1, length - 2, length - 1, ...dots.flatMap((d) => [d - 1, d, d + 1])].filter(
    (p) => p >= 0 && p < length,
  )
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...edges) },
    { weight: 1, arbitrary: fc.nat({ max: length - 1 }) },
  )
}

function mutation(length: number, dots: readonly number[]): fc.Arbitrary<Mutation> {
  const at = position(length, dots)
  const segment = fc.constantFrom(0 as const, 1 as const, 2 as const)
  return fc.oneof(
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('replace' as const), at, char: tokenChar }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('charBit' as const), at, bit: fc.nat({ max: 5 }) }),
    },
    fc.record({ op: fc.constant('insert' as const), at, char: tokenChar }),
    fc.record({ op: fc.constant('delete' as const), at }),
    fc.record({ op: fc.constant('truncate' as const), at }),
    fc.record({ op: fc.constant('swap' as const), a: segment, b: segment }),
    fc.record({
      op: fc.constant('bit' as const),
      segment,
      at: fc.nat({ max: 255 }),
      bit: fc.nat({ max: 7 }),
    }),
  )
}

function apply(token: string, m: Mutation): string {
  switch (m.op) {
    case 'replace':
      return `${token.slice(0, m.at)}${m.char}${token.slice(m.at + 1)}`
    case 'charBit': {
      // A bit flip in the base64url alphabet index of one character (a classic decoder mutation).
      const index = BASE64URL.indexOf(token[m.at] ?? '')
      if (index === -1) return token
      return `${token.slice(0, m.at)}${BASE64URL[index ^ (1 << m.bit)] ?? ''}${token.slice(m.at + 1)}`
    }
    case 'insert':
      return `${token.slice(0, m.at)}${m.char}${token.slice(m.at)}`
    case 'delete':
      return `${token.slice(0, m.at)}${token.slice(m.at + 1)}`
    case 'truncate':
      return token.slice(0, m.at)
    case 'swap': {
      const segments = token.split('.')
      const a = segments[m.a] ?? ''
      segments[m.a] = segments[m.b] ?? ''
      segments[m.b] = a
      return segments.join('.')
    }
    case 'bit': {
      const segments = token.split('.')
      const bytes = Buffer.from(segments[m.segment] ?? '', 'base64url')
      if (bytes.length === 0) return token
      const at = m.at % bytes.length
      bytes[at] = (bytes[at] ?? 0) ^ (1 << m.bit)
      segments[m.segment] = bytes.toString('base64url')
      return segments.join('.')
    }
  }
}

describe('fuzz: verify() on hostile input', () => {
  it('any string → a documented GitlabIdTokenError, never acceptance', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 400 }),
          fc.string({ unit: tokenChar, maxLength: 400 }),
        ),
        rejected,
      ),
      fuzzParameters,
    )
  })

  it('any bytes (as latin1, as utf8) → a documented GitlabIdTokenError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), fc.boolean(), async (bytes, latin1) => {
        await rejected(Buffer.from(bytes).toString(latin1 ? 'latin1' : 'utf8'))
      }),
      fuzzParameters,
    )
  })

  it('any non-string value → ERR_TOKEN_MALFORMED', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.anything().filter((value) => typeof value !== 'string'),
        async (value) => {
          expect(await answer(value)).toBe('ERR_TOKEN_MALFORMED')
        },
      ),
      fuzzParameters,
    )
  })

  it('structured garbage: random headers, payloads and signatures → never accepted', async () => {
    const kid = () => fc.constantFrom(gitlab.ciKey.kid, gitlab.userKey.kid, 'other', '', 42, null)
    const header = fc.record(
      {
        alg: fc.constantFrom('RS256', 'none', 'HS256', 'PS256', 'ES256', 'RS512', 7),
        kid: kid(),
        typ: fc.constantFrom('JWT', 'at+jwt'),
        crit: fc.array(fc.string()),
        b64: fc.boolean(),
        jku: fc.webUrl(),
      },
      { requiredKeys: [] },
    )
    const claims = gitlab.buildClaims({ aud: AUDIENCE, project_path: 'acme/widget' })
    const payload = fc.oneof(
      fc.jsonValue(),
      fc
        .dictionary(fc.constantFrom(...Object.keys(claims), '__proto__'), fc.jsonValue())
        .map((overrides) => ({ ...claims, ...overrides })),
    )
    const signature = fc.oneof(
      fc.constant(parts(valid)[2]),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => b64url(bytes)),
    )
    await fc.assert(
      fc.asyncProperty(header, payload, signature, async (h, p, s) => {
        const token = `${b64url(h)}.${b64url(JSON.stringify(p) ?? 'null')}.${s}`
        if (token !== valid) await rejected(token)
      }),
      fuzzParameters,
    )
  })

  it('mutations of a valid token → accepted only when byte-identical to it', async () => {
    const dots = [valid.indexOf('.'), valid.lastIndexOf('.')]
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation(valid.length, dots), { minLength: 1, maxLength: 3 }),
        async (mutations) => {
          const token = mutations.reduce(apply, valid)
          const result = await answer(token)
          expect(result === 'accepted').toBe(token === valid)
        },
      ),
      fuzzParameters,
    )
  })

  it('a token signed by a key of the right kid but another key pair → never accepted (signature is checked on every path)', async () => {
    const impostor = generateSigningKey({ kid: gitlab.ciKey.kid })
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('main', 'feature', 'v1.0.0'), async (ref) => {
        const forged = gitlab.mint(
          { aud: AUDIENCE, project_path: 'acme/widget', ref },
          { key: impostor },
        )
        expect(await answer(forged)).toBe('ERR_SIGNATURE_INVALID')
      }),
      { ...fuzzParameters, numRuns: Math.min(fuzzParameters.numRuns, 30) },
    )
  })
})
