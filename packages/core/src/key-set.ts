/**
 * Turning a JWKS document into ready-to-use verification keys.
 *
 * @module
 */

import { createHash, KeyObject, type verify as cryptoVerify } from 'node:crypto'
import type * as Jose from 'jose'
import type { AlgorithmSpec } from './algorithms.js'

/** What `crypto.verify` takes as its key argument: the key plus padding, salt and encoding. */
export type VerifyInput = Parameters<typeof cryptoVerify>[2]

/** One imported public key, with a prebuilt `crypto.verify` input per algorithm it may verify. */
export interface KeyEntry {
  readonly kid: string
  /** RFC 7638 thumbprint of the key material: equal thumbprints are the same public key. */
  readonly thumbprint: string
  /** The only signature length this key can produce (RSA: the modulus; EC/OKP: fixed). */
  readonly signatureLength: number
  /** Algorithm name → the options object `crypto.verify` takes, built once at import. */
  readonly inputs: ReadonlyMap<string, VerifyInput>
}

/** An imported key set: `kid` → candidate keys (more than one only for duplicate `kid`s). */
export type KeySet = ReadonlyMap<string, readonly KeyEntry[]>

// RFC 7518 §3.3: RSA keys for RS*/PS* must be at least 2048 bits.
const MIN_RSA_BITS = 2048
// FIPS 186-5 §5.4 (e): the public exponent is odd and 2^16 < e < 2^256. An even exponent is no RSA
// key at all, and with e = 1 the "signature" is the padded digest itself, which anyone can make.
const MIN_RSA_EXPONENT = 2n ** 16n
const MAX_RSA_EXPONENT = 2n ** 256n

// RFC 7518 §3.4: an ES* signature is R || S, each as long as the curve's order.
const EC_SIGNATURE_BYTES: Readonly<Record<string, number>> = {
  'P-256': 64,
  'P-384': 96,
  'P-521': 132,
}
// RFC 8032 §5.1.6 and §5.2.6.
const OKP_SIGNATURE_BYTES: Readonly<Record<string, number>> = { Ed25519: 64, Ed448: 114 }

// RFC 7638 §3.2: the required members of each key type, in lexicographic order.
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
}

// jose costs ~20 ms to import and is only needed after a fetch has been awaited anyway, so it is
// loaded on first use rather than with the package.
let jose: Promise<typeof Jose> | undefined
const loadJose = (): Promise<typeof Jose> => (jose ??= import('jose'))

/**
 * Imports every usable key of a JWKS document: keys meant for signatures (no `use`, or
 * `use: "sig"`), with a `kid`, whose type fits at least one allowed algorithm, whose own `alg`
 * (if any) is allowed, and which pass the strength checks (RSA: ≥ 2048 bits, an odd exponent
 * above 2^16). Unusable keys are skipped, never fatal: GitLab publishes its user-login OIDC key
 * next to the CI key, and a self-managed set may carry keys for other purposes.
 *
 * `jose` parses and validates each JWK once; the result is converted to a `KeyObject` so the hot
 * path can call `crypto.verify` synchronously.
 *
 * @throws Error when the document is not `{ "keys": [...] }`.
 *
 * @example
 * ```ts
 * const keys = await importKeySet(await fetchJson(jwksUri, limits), resolveAlgorithms(['RS256']))
 * keys.get(kid) // candidate KeyEntry[] or undefined
 * ```
 */
export async function importKeySet(
  document: unknown,
  algorithms: ReadonlyMap<string, AlgorithmSpec>,
): Promise<KeySet> {
  return (await importKeyDocument(document, algorithms)).keys
}

/** {@link importKeySet}'s result plus the `kid`s the document publishes only unusable keys for. */
export interface ImportedKeyDocument {
  readonly keys: KeySet
  readonly skipped: ReadonlySet<string>
}

/**
 * {@link importKeySet}, also naming the `kid`s that were published but skipped: a token under
 * one of them is refused for good (401), not retried as a rotation not yet seen.
 *
 * @example
 * ```ts
 * const { keys, skipped } = await importKeyDocument(document, algorithms)
 * ```
 */
export async function importKeyDocument(
  document: unknown,
  algorithms: ReadonlyMap<string, AlgorithmSpec>,
): Promise<ImportedKeyDocument> {
  const keys = (document as { keys?: unknown } | null)?.keys
  if (typeof document !== 'object' || document === null || !Array.isArray(keys)) {
    throw new Error('key set is not a JSON object with a "keys" array')
  }
  const set = new Map<string, KeyEntry[]>()
  const skipped = new Set<string>()
  for (const jwk of keys as unknown[]) {
    const entry = await importKey(jwk, algorithms)
    if (entry === undefined) {
      const kid = (jwk as { kid?: unknown } | null)?.kid
      if (typeof kid === 'string' && kid.length > 0 && kid.length <= 256) skipped.add(kid)
      continue
    }
    const list = set.get(entry.kid)
    if (list === undefined) set.set(entry.kid, [entry])
    else list.push(entry)
  }
  for (const kid of set.keys()) skipped.delete(kid)
  return { keys: set, skipped }
}

/**
 * Whether `set` still holds the key `entry` was imported from: same `kid`, same thumbprint, and
 * every algorithm `entry` could verify. A refresh that returns the same keys keeps cached results.
 *
 * @example
 * ```ts
 * if (!keySetHolds(refreshed, cached.key)) cache.delete(token)
 * ```
 */
export function keySetHolds(set: KeySet, entry: KeyEntry): boolean {
  const candidates = set.get(entry.kid)
  if (candidates === undefined) return false
  return candidates.some(
    (candidate) =>
      candidate === entry ||
      (candidate.thumbprint === entry.thumbprint &&
        [...entry.inputs.keys()].every((name) => candidate.inputs.has(name))),
  )
}

async function importKey(
  jwk: unknown,
  algorithms: ReadonlyMap<string, AlgorithmSpec>,
): Promise<KeyEntry | undefined> {
  if (typeof jwk !== 'object' || jwk === null) return undefined
  const { kid, kty, alg, use, crv } = jwk as Record<string, unknown>
  if (typeof kid !== 'string' || kid.length === 0) return undefined
  if (use !== undefined && use !== 'sig') return undefined
  if ('d' in jwk) return undefined
  const fits = [...algorithms.values()].filter(
    (spec) =>
      spec.kty === kty &&
      (alg === undefined || alg === spec.name) &&
      (spec.crv === undefined || spec.crv === crv),
  )
  const first = fits[0]
  if (first === undefined) return undefined
  let key: KeyObject
  try {
    const { importJWK } = await loadJose()
    const imported = await importJWK({ ...(jwk as Jose.JWK), ext: true }, first.name)
    if (imported instanceof Uint8Array) return undefined
    key = KeyObject.from(imported)
  } catch {
    return undefined
  }
  if (key.type !== 'public') return undefined
  const signatureLength = strongSignatureLength(key)
  if (signatureLength === undefined) return undefined
  const inputs = new Map<string, VerifyInput>()
  for (const spec of fits) {
    inputs.set(spec.name, {
      key,
      ...(spec.padding === undefined ? {} : { padding: spec.padding }),
      ...(spec.saltLength === undefined ? {} : { saltLength: spec.saltLength }),
      ...(spec.dsaEncoding === undefined ? {} : { dsaEncoding: spec.dsaEncoding }),
    })
  }
  return { kid, thumbprint: thumbprint(key), signatureLength, inputs }
}

/** The signature length of a key that passes the strength checks, or `undefined` to skip it. */
function strongSignatureLength(key: KeyObject): number | undefined {
  const details = key.asymmetricKeyDetails ?? {}
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = details.modulusLength ?? 0
      const e = details.publicExponent ?? 0n
      if (bits < MIN_RSA_BITS || e % 2n === 0n || e <= MIN_RSA_EXPONENT || e >= MAX_RSA_EXPONENT)
        return undefined
      return Math.ceil(bits / 8)
    }
    case 'ec':
      return EC_SIGNATURE_BYTES[curveName(details.namedCurve)]
    case 'ed25519':
      return OKP_SIGNATURE_BYTES.Ed25519
    case 'ed448':
      return OKP_SIGNATURE_BYTES.Ed448
    default:
      return undefined
  }
}

function curveName(namedCurve: string | undefined): string {
  if (namedCurve === 'prime256v1') return 'P-256'
  if (namedCurve === 'secp384r1') return 'P-384'
  if (namedCurve === 'secp521r1') return 'P-521'
  return namedCurve ?? ''
}

// Computed from Node's own export of the key, so two spellings of one key (e.g. a modulus with a
// leading zero byte) get one thumbprint.
function thumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as Record<string, unknown>
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)] ?? []
  const canonical = JSON.stringify(Object.fromEntries(members.map((name) => [name, jwk[name]])))
  return createHash('sha256').update(canonical).digest('base64url')
}
