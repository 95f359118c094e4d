/**
 * Raw JWS compact signing with `node:crypto`, deliberately permissive: any header, any algorithm,
 * any payload bytes. Attack tests need tokens no well-behaved library would produce.
 *
 * @module
 */

import { constants, createHmac, createPrivateKey, sign as cryptoSign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

/** Every algorithm {@link signJwt} can compute a signature for. */
export type SignatureAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'none'

/** Key material: an asymmetric private `KeyObject` or PEM, or an HMAC secret (bytes, text, secret `KeyObject`). */
export type SigningMaterial = KeyObject | Uint8Array | string

/** Options of {@link signJwt}. */
export interface SignJwtOptions {
  /**
   * The protected header: an object (serialised with `JSON.stringify`, so `undefined` members are
   * dropped) or a string used verbatim as the header JSON (duplicate members, odd whitespace;
   * its `alg`, if it parses, picks the algorithm as `JSON.parse` would: last duplicate wins).
   */
  readonly header: object | string
  /** Not needed for `none`. */
  readonly key?: SigningMaterial
  /**
   * The algorithm the signature is really computed with. Default: the header's `alg`. Set it to
   * sign with one algorithm while the header claims another (e.g. an ES256 signature under
   * `alg: RS256`, or `alg: 'NONE'` with an empty signature via `'none'`).
   */
  readonly algorithm?: SignatureAlgorithm
}

const HASHES = { '256': 'sha256', '384': 'sha384', '512': 'sha512' } as const

function isAlgorithm(value: unknown): value is SignatureAlgorithm {
  return (
    typeof value === 'string' &&
    /^(?:[RPE]S(?:256|384|512)|HS(?:256|384|512)|EdDSA|none)$/.test(value)
  )
}

function segment(part: object | string | Uint8Array): string {
  if (part instanceof Uint8Array) return Buffer.from(part).toString('base64url')
  return Buffer.from(typeof part === 'string' ? part : JSON.stringify(part)).toString('base64url')
}

function asymmetricKey(key: SigningMaterial | undefined, algorithm: string): KeyObject {
  if (typeof key === 'string') return createPrivateKey(key)
  if (key === undefined || key instanceof Uint8Array || key.type !== 'private') {
    throw new TypeError(`signJwt: ${algorithm} needs a private KeyObject or PEM`)
  }
  return key
}

function signature(
  algorithm: SignatureAlgorithm,
  input: Buffer,
  key: SigningMaterial | undefined,
): Buffer {
  if (algorithm === 'none') return Buffer.alloc(0)
  if (algorithm === 'EdDSA') return cryptoSign(null, input, asymmetricKey(key, algorithm))
  const hash = HASHES[algorithm.slice(2) as keyof typeof HASHES]
  const family = algorithm.slice(0, 2)
  if (family === 'HS') {
    if (key === undefined) throw new TypeError(`signJwt: ${algorithm} needs a secret`)
    // Algorithm-confusion tests pass the victim's public key (PEM text or DER bytes) as the secret.
    if (typeof key !== 'string' && !(key instanceof Uint8Array) && key.type !== 'secret') {
      throw new TypeError(
        `signJwt: ${algorithm} needs a secret (pass PEM or DER bytes for confusion tests)`,
      )
    }
    return createHmac(hash, key).update(input).digest()
  }
  const privateKey = asymmetricKey(key, algorithm)
  if (family === 'PS') {
    return cryptoSign(hash, input, {
      key: privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    })
  }
  // JWS (RFC 7518 §3.4) wants the raw r||s form, not DER.
  if (family === 'ES')
    return cryptoSign(hash, input, { key: privateKey, dsaEncoding: 'ieee-p1363' })
  return cryptoSign(hash, input, privateKey)
}

function parseLoosely(json: string): unknown {
  try {
    return JSON.parse(json)
  } catch {
    return undefined
  }
}

/**
 * Signs `payload` into a JWS compact serialisation (`header.payload.signature`).
 *
 * `payload` may be an object (`JSON.stringify`d), a string used verbatim as the payload JSON (for
 * duplicate keys or `__proto__` members), or raw bytes.
 *
 * @example
 * ```ts
 * // The classic algorithm confusion: HS256 keyed with the issuer's public key.
 * const pem = gitlab.ciKey.publicKey.export({ type: 'spki', format: 'pem' })
 * const forged = signJwt(claims, { header: { alg: 'HS256', kid: gitlab.ciKey.kid }, key: pem })
 * ```
 */
export function signJwt(payload: object | string | Uint8Array, options: SignJwtOptions): string {
  const headerAlg = (
    typeof options.header === 'string' ? parseLoosely(options.header) : options.header
  ) as { alg?: unknown } | undefined
  const algorithm = options.algorithm ?? headerAlg?.alg
  if (!isAlgorithm(algorithm)) {
    throw new TypeError(
      `signJwt: cannot sign with alg ${JSON.stringify(algorithm)}; pass options.algorithm`,
    )
  }
  const input = `${segment(options.header)}.${segment(payload)}`
  return `${input}.${signature(algorithm, Buffer.from(input), options.key).toString('base64url')}`
}
