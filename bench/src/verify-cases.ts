/**
 * The in-process cases of section (a). Each case builds its verifier once, proves it accepts the
 * valid token and rejects the tampered ones (`check`), and then exposes `op(i)`, one verification
 * that throws unless the token was accepted — so every measured operation is also a correctness
 * check.
 */

import { verify as cryptoVerify } from 'node:crypto'
import { createVerifier as createFastJwtVerifier } from 'fast-jwt'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import { keysFromJwks, verifyToken } from './rawcrypto.js'
import { benchPolicy } from './servers/policy.js'
import { expectAccepted, expectRejected, pinned, standardCheck } from './verify-checks.js'
import type { PublicJwk } from './tokens.js'

export interface VerifyInput {
  readonly issuer: string
  readonly jwks: { readonly keys: readonly PublicJwk[] }
  readonly publicPem: string
  readonly audience: string
  readonly projectId: string
  readonly pool: readonly string[]
  readonly single: string
  readonly tamperedSignature: string
  readonly tamperedPayload: string
}

export type Mode = 'sync' | 'seq' | 'conc'

export interface PreparedCase {
  readonly op: (i: number) => unknown
  readonly check: () => Promise<void>
}

export interface VerifyCase {
  readonly id: string
  readonly label: string
  readonly mode: Mode
  readonly tokens: 'distinct' | 'repeated' | 'prebuilt'
  prepare(input: VerifyInput): Promise<PreparedCase>
}

export const CONCURRENCY = 64

function ours(
  id: string,
  label: string,
  tokens: 'distinct' | 'repeated',
  cache: false | { max: number } | undefined,
): VerifyCase {
  return {
    id,
    label,
    mode: 'seq',
    tokens,
    async prepare(input) {
      const { createVerifier } = await import('@gitlab-id-token/core')
      const verifier = createVerifier({
        audience: input.audience,
        issuer: input.issuer,
        policy: benchPolicy(input),
        ...(cache === undefined ? {} : { cache }),
      })
      const verifyOne = async (token: string) =>
        pinned(input, (await verifier.verify(token)).claims)
      const { pool, single } = input
      const n = pool.length
      return {
        check: () => standardCheck(id, verifyOne, input, 'ERR_SIGNATURE_INVALID'),
        op:
          tokens === 'repeated'
            ? () => verifier.verify(single)
            : (i) => verifier.verify(pool[i % n]),
      }
    },
  }
}

export const VERIFY_CASES: readonly VerifyCase[] = [
  {
    id: 'floor',
    label: '`node:crypto` RSA-SHA256 verify of the signing input, prebuilt `KeyObject` (the floor)',
    mode: 'sync',
    tokens: 'prebuilt',
    async prepare(input) {
      const key = keysFromJwks(input.jwks).values().next().value
      if (key === undefined) throw new Error('no key')
      const split = (t: string) => {
        const dot = t.lastIndexOf('.')
        return [Buffer.from(t.slice(0, dot)), Buffer.from(t.slice(dot + 1), 'base64url')] as const
      }
      const [data, sig] = split(input.single)
      const [badData, badSig] = split(input.tamperedSignature)
      const one = (d: Buffer, s: Buffer) => cryptoVerify('sha256', d, key, s)
      return {
        check: async () => {
          await expectAccepted('floor', () => one(data, sig))
          await expectRejected('floor (signature bit flipped)', () => one(badData, badSig))
        },
        op: () => {
          if (!cryptoVerify('sha256', data, key, sig)) throw new Error('floor: rejected')
        },
      }
    },
  },
  {
    id: 'raw-plain',
    label:
      'hand-written: split, base64url/JSON decode, `crypto.verify`, iss/aud/exp/nbf/project_id checks',
    mode: 'sync',
    tokens: 'distinct',
    async prepare(input) {
      const cfg = {
        issuer: input.issuer,
        audience: input.audience,
        projectId: input.projectId,
        keys: keysFromJwks(input.jwks),
      }
      const verifyOne = (t: string) => verifyToken(t, cfg).ok
      const { pool } = input
      const n = pool.length
      return {
        check: () => standardCheck('raw-plain', verifyOne, input),
        op: (i) => {
          if (!verifyToken(pool[i % n] as string, cfg).ok) throw new Error('raw-plain: rejected')
        },
      }
    },
  },
  ours(
    'ours-distinct',
    'ours (`createVerifier`), distinct tokens, result cache off (`cache: false`)',
    'distinct',
    false,
  ),
  ours(
    'ours-distinct-miss',
    'ours, distinct tokens, result cache on but always missing (`max: 100`, tokens cycle through the pool)',
    'distinct',
    { max: 100 },
  ),
  ours(
    'ours-repeated',
    'ours, the same token repeated (default result cache)',
    'repeated',
    undefined,
  ),
  ...(['seq', 'conc'] as const).map((mode): VerifyCase => ({
    id: `jose-${mode}`,
    label:
      mode === 'seq'
        ? 'jose `jwtVerify` + `createRemoteJWKSet` (warm), awaited one at a time'
        : `jose \`jwtVerify\` + \`createRemoteJWKSet\` (warm), ${CONCURRENCY} in flight`,
    mode,
    tokens: 'distinct',
    async prepare(input) {
      const jwks = createRemoteJWKSet(new URL(`${input.issuer}/oauth/discovery/keys`))
      const options = { issuer: input.issuer, audience: input.audience, algorithms: ['RS256'] }
      const verifyOne = async (t: string) =>
        pinned(input, (await jwtVerify(t, jwks, options)).payload)
      const { pool } = input
      const n = pool.length
      return {
        check: () => standardCheck(`jose-${mode}`, verifyOne, input),
        op: (i) => verifyOne(pool[i % n] as string),
      }
    },
  })),
  ...([false, true] as const).map((cache): VerifyCase => ({
    id: cache ? 'fast-jwt-cache' : 'fast-jwt',
    label: cache
      ? 'fast-jwt with its verified-token cache, the same token repeated'
      : 'fast-jwt, no cache',
    mode: 'sync',
    tokens: cache ? 'repeated' : 'distinct',
    async prepare(input) {
      const verifier = createFastJwtVerifier({
        key: input.publicPem,
        algorithms: ['RS256'],
        allowedIss: input.issuer,
        allowedAud: input.audience,
        cache,
      })
      const verifyOne = (t: string) => pinned(input, verifier(t))
      const { pool, single } = input
      const n = pool.length
      return {
        check: () => standardCheck(cache ? 'fast-jwt-cache' : 'fast-jwt', verifyOne, input),
        op: cache ? () => verifyOne(single) : (i) => verifyOne(pool[i % n] as string),
      }
    },
  })),
  {
    id: 'jsonwebtoken',
    label: 'jsonwebtoken 9 `verify` with a `KeyObject`',
    mode: 'sync',
    tokens: 'distinct',
    async prepare(input) {
      const key = keysFromJwks(input.jwks).values().next().value
      if (key === undefined) throw new Error('no key')
      const options = {
        algorithms: ['RS256' as const],
        issuer: input.issuer,
        audience: input.audience,
      }
      const verifyOne = (t: string) => pinned(input, jsonwebtoken.verify(t, key, options))
      const { pool } = input
      const n = pool.length
      return {
        check: () => standardCheck('jsonwebtoken', verifyOne, input),
        op: (i) => verifyOne(pool[i % n] as string),
      }
    },
  },
]
