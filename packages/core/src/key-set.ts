/**
 * Turning a JWKS document into ready-to-use verification keys.
 *
 * @module
 */

import { KeyObject, type verify as cryptoVerify } from 'node:crypto'
import { importJWK, type JWK } from 'jose'
import type { AlgorithmSpec } from './algorithms.js'

/** One imported public key, with a prebuilt `crypto.verify` input per algorithm it may verify. */
export interface KeyEntry {
  readonly kid: string
  /** Algorithm name → the options object `crypto.verify` takes, built once at import. */
  readonly inputs: ReadonlyMap<string, Parameters<typeof cryptoVerify>[2]>
}

/** An imported key set: `kid` → candidate keys (more than one only for duplicate `kid`s). */
export type KeySet = ReadonlyMap<string, readonly KeyEntry[]>

// RFC 7518 §3.3: RSA keys for RS*/PS* must be at least 2048 bits.
const MIN_RSA_BITS = 2048

/**
 * Imports every usable key of a JWKS document: keys meant for signatures (no `use`, or
 * `use: "sig"`), with a `kid`, whose type fits at least one allowed algorithm, and whose own `alg`
 * (if any) is allowed. Unusable keys are skipped, never fatal: GitLab publishes its user-login
 * OIDC key next to the CI key, and a self-managed set may carry keys for other purposes.
 *
 * `jose` parses and validates each JWK once; the result is converted to a `KeyObject` so the hot
 * path can call `crypto.verify` synchronously.
 *
 * @throws Error when the document is not `{ "keys": [...] }`.
 */
export async function importKeySet(
  document: unknown,
  algorithms: ReadonlyMap<string, AlgorithmSpec>,
): Promise<KeySet> {
  const keys = (document as { keys?: unknown } | null)?.keys
  if (typeof document !== 'object' || document === null || !Array.isArray(keys)) {
    throw new Error('key set is not a JSON object with a "keys" array')
  }
  const set = new Map<string, KeyEntry[]>()
  for (const jwk of keys as unknown[]) {
    const entry = await importKey(jwk, algorithms)
    if (entry === undefined) continue
    const list = set.get(entry.kid)
    if (list === undefined) set.set(entry.kid, [entry])
    else list.push(entry)
  }
  return set
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
    const imported = await importJWK({ ...(jwk as JWK), ext: true }, first.name)
    if (imported instanceof Uint8Array) return undefined
    key = KeyObject.from(imported)
  } catch {
    return undefined
  }
  if (key.type !== 'public') return undefined
  if (kty === 'RSA' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS)
    return undefined
  const inputs = new Map<string, Parameters<typeof cryptoVerify>[2]>()
  for (const spec of fits) {
    inputs.set(spec.name, {
      key,
      ...(spec.padding === undefined ? {} : { padding: spec.padding }),
      ...(spec.saltLength === undefined ? {} : { saltLength: spec.saltLength }),
      ...(spec.dsaEncoding === undefined ? {} : { dsaEncoding: spec.dsaEncoding }),
    })
  }
  return { kid, inputs }
}
