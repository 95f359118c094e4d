/**
 * RSA signing keys shaped like GitLab's: 2048-bit, published as `{kty, kid, e, n, use, alg}` with
 * `kid` = the RFC 7638 thumbprint.
 *
 * @module
 */

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  generateKeyPairSync,
} from 'node:crypto'
import type { KeyObject } from 'node:crypto'

/**
 * A public key as GitLab's `/oauth/discovery/keys` publishes it. GitLab slices the json-jwt JWK to
 * `kty kid e n` and adds `use: 'sig'` and `alg: 'RS256'` (`app/controllers/jwks_controller.rb`).
 */
// A type alias, not an interface, so it is assignable to JWK types with an index signature.
export type PublicRsaJwk = {
  readonly kty: 'RSA'
  readonly kid: string
  readonly e: string
  readonly n: string
  readonly use: 'sig'
  readonly alg: 'RS256'
}

/** A key pair plus the JWK the mock publishes for it. */
export interface SigningKey {
  /** RFC 7638 thumbprint of the public key, unless a `kid` was forced. */
  readonly kid: string
  readonly publicJwk: PublicRsaJwk
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
}

/** Options of {@link generateSigningKey} and {@link signingKeyFromPrivateKey}. */
export interface SigningKeyOptions {
  /** RSA modulus size in bits. Default `2048` (gitlab.com's CI key size). */
  readonly modulusLength?: number
  /**
   * Publish and sign under this `kid` instead of the thumbprint: for attack tests such as "another
   * key published under the real key's `kid`". Default: the RFC 7638 thumbprint.
   */
  readonly kid?: string
}

/** Members RFC 7638 §3.2 requires per key type, already in lexicographic order. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  oct: ['k', 'kty'],
}

/**
 * The RFC 7638 JWK thumbprint (SHA-256, base64url without padding): what json-jwt, and so GitLab,
 * uses as `kid`. Synchronous, unlike jose's `calculateJwkThumbprint`, and equal to it.
 *
 * @example
 * ```ts
 * jwkThumbprint({ kty: 'RSA', e: 'AQAB', n: '…' }) // '4i3sFE7sxqNPOT7FdvcGA1ZVGGI_r-tsDXnEuYT4ZqE' for gitlab.com's CI key
 * ```
 */
export function jwkThumbprint(jwk: {
  readonly kty?: unknown
  readonly [member: string]: unknown
}): string {
  const members = typeof jwk.kty === 'string' ? THUMBPRINT_MEMBERS[jwk.kty] : undefined
  if (members === undefined)
    throw new TypeError(`jwkThumbprint: unsupported kty ${String(jwk.kty)}`)
  const required: Record<string, string> = {}
  for (const name of members) {
    const value = jwk[name]
    if (typeof value !== 'string')
      throw new TypeError(`jwkThumbprint: JWK member "${name}" missing`)
    required[name] = value
  }
  // JSON.stringify keeps insertion order, which is the lexicographic order RFC 7638 §3.3 demands.
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url')
}

/**
 * Wraps an existing RSA private key (a `KeyObject` or PEM text), e.g. a fixed key committed to a
 * test suite so `kid`s stay stable between runs.
 *
 * @example
 * ```ts
 * const key = signingKeyFromPrivateKey(readFileSync('test/fixtures/ci-key.pem', 'utf8'))
 * const gitlab = await createMockGitlab({ ciKey: key })
 * ```
 */
export function signingKeyFromPrivateKey(
  privateKey: KeyObject | string,
  options: Pick<SigningKeyOptions, 'kid'> = {},
): SigningKey {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey
  if (key.type !== 'private' || key.asymmetricKeyType !== 'rsa') {
    throw new TypeError('signingKeyFromPrivateKey: expected an RSA private key')
  }
  const publicKey = createPublicKey(key)
  const { e, n } = publicKey.export({ format: 'jwk' })
  if (typeof e !== 'string' || typeof n !== 'string') throw new TypeError('RSA JWK export failed')
  const kid = options.kid ?? jwkThumbprint({ kty: 'RSA', e, n })
  return {
    kid,
    publicJwk: { kty: 'RSA', kid, e, n, use: 'sig', alg: 'RS256' },
    privateKey: key,
    publicKey,
  }
}

/**
 * Generates a GitLab-shaped RSA signing key synchronously (about 0.1 s for 2048 bits).
 *
 * @example
 * ```ts
 * const attacker = generateSigningKey({ kid: gitlab.ciKey.kid }) // same kid, different key
 * gitlab.publishKeys([attacker.publicJwk])
 * ```
 */
export function generateSigningKey(options: SigningKeyOptions = {}): SigningKey {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: options.modulusLength ?? 2048,
  })
  return signingKeyFromPrivateKey(privateKey, options.kid === undefined ? {} : { kid: options.kid })
}

/** Off-thread variant used at start-up so two keys are generated in parallel. @internal */
export async function generateSigningKeyAsync(
  options: SigningKeyOptions = {},
): Promise<SigningKey> {
  const privateKey = await new Promise<KeyObject>((resolve, reject) => {
    generateKeyPair(
      'rsa',
      { modulusLength: options.modulusLength ?? 2048 },
      (error, _pub, priv) => {
        if (error) reject(error)
        else resolve(priv)
      },
    )
  })
  return signingKeyFromPrivateKey(privateKey, options.kid === undefined ? {} : { kid: options.kid })
}

interface PoolEntry {
  readonly promise: Promise<SigningKey>
  ready?: SigningKey
}

const pool: PoolEntry[] = []
const POOL_SIZE = 2

function refill(): void {
  while (pool.length < POOL_SIZE) {
    const entry: PoolEntry = { promise: generateSigningKeyAsync() }
    entry.promise.then(
      (key) => {
        entry.ready = key
      },
      () => {},
    )
    pool.push(entry)
  }
}

/**
 * A fresh RSA-2048 key, usually generated in the background while the previous test ran (about
 * 0.15 s of CPU each). Every key is handed out once: two mocks never share a key, or tokens from
 * one instance would verify against another. @internal
 */
export function takeSigningKey(): Promise<SigningKey> {
  const key = pool.shift()?.promise ?? generateSigningKeyAsync()
  refill()
  return key
}

/** A fresh key without waiting: a pooled one if ready, else generated on the spot. @internal */
export function takeSigningKeySync(): SigningKey {
  const index = pool.findIndex((entry) => entry.ready !== undefined)
  const ready = index === -1 ? undefined : pool.splice(index, 1)[0]?.ready
  refill()
  return ready ?? generateSigningKey()
}
