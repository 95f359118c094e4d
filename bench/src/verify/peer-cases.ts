/**
 * The reference cases: the raw crypto floor (sync, and the callback form on libuv's pool), the
 * hand-written verifier, and the libraries users would otherwise pick — jose, fast-jwt and
 * jsonwebtoken — each doing the same checks as our policy (iss, aud, exp/nbf, `project_id`).
 */

import { verify as cryptoVerify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { createVerifier as createFastJwtVerifier } from 'fast-jwt'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import { keysFromJwks, verifyToken } from '../fixtures/rawcrypto.js'
import type { VerifyCase, VerifyInput } from './cases.js'
import { expectAccepted, expectRejected, pinned, standardCheck } from './checks.js'

function ciKey(input: VerifyInput): KeyObject {
  const header = JSON.parse(
    Buffer.from(input.single.split('.')[0] ?? '', 'base64url').toString(),
  ) as { kid?: string }
  const key = keysFromJwks(input.jwks).get(header.kid ?? '')
  if (key === undefined) throw new Error('the CI key is not in the key set')
  return key
}

function splitSigned(token: string): readonly [Buffer, Buffer] {
  const dot = token.lastIndexOf('.')
  return [Buffer.from(token.slice(0, dot)), Buffer.from(token.slice(dot + 1), 'base64url')]
}

const verifyAsync = (data: Buffer, key: KeyObject, sig: Buffer): Promise<boolean> =>
  new Promise((resolve, reject) => {
    cryptoVerify('sha256', data, key, sig, (err, ok) => (err ? reject(err) : resolve(ok)))
  })

const floor = (inFlight: number): VerifyCase => ({
  id: inFlight === 0 ? 'floor' : `floor-threadpool-${inFlight}`,
  label:
    inFlight === 0
      ? '`node:crypto` RSA-SHA256 verify of the signing input, prebuilt `KeyObject` (the floor)'
      : `the floor's \`crypto.verify\` in callback form (libuv's pool), ${inFlight} in flight`,
  drive: inFlight === 0 ? 'sync' : 'async',
  inFlight: Math.max(1, inFlight),
  tokens: 'prebuilt',
  group: inFlight === 0 ? 'baseline' : 'crypto',
  async prepare(input) {
    const key = ciKey(input)
    const [data, sig] = splitSigned(input.single)
    const [badData, badSig] = splitSigned(input.tamperedSignature)
    return {
      check: async () => {
        await expectAccepted('floor', () => cryptoVerify('sha256', data, key, sig))
        await expectRejected('floor (bit flipped)', () =>
          cryptoVerify('sha256', badData, key, badSig),
        )
        await expectAccepted('floor (callback)', () => verifyAsync(data, key, sig))
        await expectRejected('floor (callback, bit flipped)', () =>
          verifyAsync(badData, key, badSig),
        )
      },
      op:
        inFlight === 0
          ? () => {
              if (!cryptoVerify('sha256', data, key, sig)) throw new Error('floor: rejected')
            }
          : async () => {
              if (!(await verifyAsync(data, key, sig))) throw new Error('floor: rejected')
            },
    }
  },
})

const rawPlain: VerifyCase = {
  id: 'raw-plain',
  label:
    'hand-written: split, base64url/JSON decode, `crypto.verify`, iss/aud/exp/nbf/project_id checks',
  drive: 'sync',
  inFlight: 1,
  tokens: 'distinct',
  group: 'baseline',
  async prepare(input) {
    const cfg = {
      issuer: input.issuer,
      audience: input.audience,
      projectId: input.projectId,
      keys: keysFromJwks(input.jwks),
    }
    const { pool } = input
    const n = pool.length
    return {
      check: () => standardCheck('raw-plain', (t) => verifyToken(t, cfg).ok, input),
      op: (i) => {
        if (!verifyToken(pool[i % n] as string, cfg).ok) throw new Error('raw-plain: rejected')
      },
    }
  },
}

const jose = (inFlight: number): VerifyCase => ({
  id: inFlight === 1 ? 'jose-seq' : `jose-${inFlight}`,
  label: `jose \`jwtVerify\` + \`createRemoteJWKSet\` (warm), ${inFlight === 1 ? 'awaited one at a time' : `${inFlight} in flight`}`,
  drive: 'async',
  inFlight,
  tokens: 'distinct',
  group: 'baseline',
  async prepare(input) {
    const jwks = createRemoteJWKSet(new URL(input.jwksUri))
    const options = { issuer: input.issuer, audience: input.audience, algorithms: ['RS256'] }
    const verifyOne = async (t: string) =>
      pinned(input, (await jwtVerify(t, jwks, options)).payload)
    const { pool } = input
    const n = pool.length
    return {
      check: () => standardCheck(`jose-${inFlight}`, verifyOne, input),
      op: (i) => verifyOne(pool[i % n] as string),
    }
  },
})

const fastJwt = (cache: boolean): VerifyCase => ({
  id: cache ? 'fast-jwt-cache' : 'fast-jwt',
  label: cache
    ? 'fast-jwt with its verified-token cache, the same token repeated'
    : 'fast-jwt, no cache',
  drive: 'sync',
  inFlight: 1,
  tokens: cache ? 'repeated' : 'distinct',
  group: 'baseline',
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
})

const jsonwebtokenCase: VerifyCase = {
  id: 'jsonwebtoken',
  label: 'jsonwebtoken 9 `verify` with a `KeyObject`',
  drive: 'sync',
  inFlight: 1,
  tokens: 'distinct',
  group: 'baseline',
  async prepare(input) {
    const key = ciKey(input)
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
}

/** The floor rows (sync first: every "× floor" ratio divides by it). */
export const FLOOR_CASES: readonly VerifyCase[] = [floor(0), floor(64)]
/** The hand-written verifier (the same code as the HTTP ceiling). */
export const RAW_CASE: VerifyCase = rawPlain
/** The peer libraries. */
export const PEER_CASES: readonly VerifyCase[] = [
  jose(1),
  jose(64),
  fastJwt(false),
  fastJwt(true),
  jsonwebtokenCase,
]
