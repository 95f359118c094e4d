/**
 * Checking a JWS signature against an issuer's candidate keys, on the main thread or on libuv's
 * threadpool, with one accepted spelling per signature.
 *
 * @module
 */

import { verify as cryptoVerify } from 'node:crypto'
import type { AlgorithmSpec } from './algorithms.js'
import { signingInputBytes, type DecodedToken } from './decode.js'
import { GitlabIdTokenError } from './errors.js'
import type { KeyEntry, VerifyInput } from './key-set.js'

// The group order n of each NIST curve (SEC 2 §2.4.2, §2.5.1, §2.6.1), halved: ECDSA accepts both
// (r, s) and (r, n − s), so only the low-S one (s ≤ n/2, as in BIP 62) is accepted.
const HALF_ORDER: Readonly<Record<string, bigint>> = {
  'P-256': BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551') / 2n,
  'P-384':
    BigInt(
      '0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973',
    ) / 2n,
  'P-521':
    BigInt(
      '0x01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409',
    ) / 2n,
}

type Candidate = readonly [KeyEntry, VerifyInput]

// The verifier's reusable buffer: fill it right before each crypto.verify call, never across an await.
const signingInput = signingInputBytes

// The keys under the token's kid that may verify `spec`; none is a key problem, not a signature one.
function candidatesFor(
  decoded: DecodedToken,
  spec: AlgorithmSpec,
  keys: readonly KeyEntry[],
): Candidate[] {
  const candidates: Candidate[] = []
  for (const key of keys) {
    const input = key.inputs.get(spec.name)
    if (input !== undefined) candidates.push([key, input])
  }
  if (candidates.length === 0) {
    throw new GitlabIdTokenError('ERR_KEY_NOT_FOUND', 'no key of this kid fits the algorithm', {
      details: { kid: decoded.header.kid, knownKids: [...new Set(keys.map((key) => key.kid))] },
    })
  }
  return candidates
}

// OpenSSL verifies an RSA-PSS signature with its leading zero bytes stripped, and ECDSA verifies
// both (r, s) and (r, n − s). Refusing every spelling but the canonical one keeps token strings
// unique, as the canonical base64url check does (RFC 8017 §8.1.2 step 1, RFC 7518 §3.4).
function isCanonical(spec: AlgorithmSpec, key: KeyEntry, signature: Buffer): boolean {
  if (signature.length !== key.signatureLength) return false
  if (spec.kty !== 'EC') return true
  const half = HALF_ORDER[spec.crv ?? '']
  if (half === undefined) return false
  const s = BigInt(`0x${signature.subarray(signature.length / 2).toString('hex')}`)
  return s <= half
}

function invalid(): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_SIGNATURE_INVALID', 'signature verification failed')
}

/**
 * Verifies the token's signature with the first candidate key that accepts it, on the calling
 * thread (an RSA-2048 check costs ~25 µs of CPU).
 *
 * @returns the key that verified the signature.
 * @throws GitlabIdTokenError `ERR_KEY_NOT_FOUND` when no candidate fits `spec`,
 *   `ERR_SIGNATURE_INVALID` when none verifies (a wrong length or a high-S ECDSA signature included).
 *
 * @example
 * ```ts
 * const key = verifySignature(decoded, spec, await provider.resolve(kid))
 * ```
 */
export function verifySignature(
  decoded: DecodedToken,
  spec: AlgorithmSpec,
  keys: readonly KeyEntry[],
): KeyEntry {
  const candidates = candidatesFor(decoded, spec, keys)
  const data = signingInput(decoded)
  for (const [key, input] of candidates) {
    if (!isCanonical(spec, key, decoded.signature)) continue
    try {
      if (cryptoVerify(spec.hash, data, input, decoded.signature)) return key
    } catch {
      // A signature OpenSSL cannot even parse is simply not valid.
    }
  }
  throw invalid()
}

/**
 * {@link verifySignature} on libuv's threadpool (`crypto.verify` with a callback), so many
 * concurrent RSA checks use every core instead of blocking the event loop. Same checks, same
 * order, same error codes. Node copies `data` and the signature for the job, so the caller may
 * reuse its buffers once this returns.
 *
 * @example
 * ```ts
 * const key = await verifySignatureAsync(decoded, spec, await provider.resolve(kid))
 * ```
 */
export async function verifySignatureAsync(
  decoded: DecodedToken,
  spec: AlgorithmSpec,
  keys: readonly KeyEntry[],
): Promise<KeyEntry> {
  const candidates = candidatesFor(decoded, spec, keys)
  for (const [key, input] of candidates) {
    if (!isCanonical(spec, key, decoded.signature)) continue
    const data = signingInput(decoded)
    if (await verifyOnPool(spec.hash, data, input, decoded.signature)) return key
  }
  throw invalid()
}

function verifyOnPool(
  hash: string | null,
  data: Buffer,
  input: VerifyInput,
  signature: Buffer,
): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      cryptoVerify(hash, data, input, signature, (error, valid) => resolve(error === null && valid))
    } catch {
      resolve(false)
    }
  })
}
