/**
 * JWS algorithms the verifier can accept, and how each maps onto `node:crypto`.
 *
 * @module
 */

import { constants } from 'node:crypto'
import { GitlabIdTokenError } from './errors.js'

/** How `crypto.verify` checks one JWS algorithm (RFC 7518 §3). */
export interface AlgorithmSpec {
  readonly name: string
  readonly kty: 'RSA' | 'EC' | 'OKP'
  /** Digest for `crypto.verify`; `null` for EdDSA, which hashes internally. */
  readonly hash: string | null
  readonly padding?: number
  readonly saltLength?: number
  readonly dsaEncoding?: 'ieee-p1363'
  /** The EC curve a key must be on (RFC 7518 §3.4). */
  readonly crv?: string
}

const rsa = (bits: number): AlgorithmSpec => ({
  name: `RS${bits}`,
  kty: 'RSA',
  hash: `sha${bits}`,
  padding: constants.RSA_PKCS1_PADDING,
})
// RFC 7518 §3.5: the PSS salt is as long as the hash output.
const pss = (bits: number): AlgorithmSpec => ({
  name: `PS${bits}`,
  kty: 'RSA',
  hash: `sha${bits}`,
  padding: constants.RSA_PKCS1_PSS_PADDING,
  saltLength: bits / 8,
})
// RFC 7518 §3.4: ECDSA signatures are the fixed-width R || S concatenation, not DER.
const ec = (bits: number, crv: string): AlgorithmSpec => ({
  name: `ES${bits}`,
  kty: 'EC',
  hash: `sha${bits}`,
  dsaEncoding: 'ieee-p1363',
  crv,
})

const SUPPORTED: ReadonlyMap<string, AlgorithmSpec> = new Map(
  [
    rsa(256),
    rsa(384),
    rsa(512),
    pss(256),
    pss(384),
    pss(512),
    ec(256, 'P-256'),
    ec(384, 'P-384'),
    ec(512, 'P-521'),
    { name: 'EdDSA', kty: 'OKP', hash: null } satisfies AlgorithmSpec,
  ].map((spec) => [spec.name, spec]),
)

/**
 * The default and only algorithm GitLab signs ID tokens with (`lib/json_web_token/rsa_token.rb`).
 *
 * @example
 * ```ts
 * createVerifier({ audience, policy, algorithms: [...DEFAULT_ALGORITHMS, 'ES256'] })
 * ```
 */
export const DEFAULT_ALGORITHMS: readonly string[] = Object.freeze(['RS256'])

/**
 * Validates the configured algorithms. `none` and the HMAC family can never be allowed: the
 * verification key is public, so an HMAC "signature" over it proves nothing (the classic
 * algorithm-confusion attack, CVE-2022-23540 and relatives).
 */
export function resolveAlgorithms(
  names: readonly string[] | undefined,
): Map<string, AlgorithmSpec> {
  const list = names ?? DEFAULT_ALGORITHMS
  if (!Array.isArray(list) || list.length === 0) {
    throw new GitlabIdTokenError(
      'ERR_INVALID_CONFIG',
      '"algorithms" must be a non-empty array, e.g. ["RS256"]',
    )
  }
  const resolved = new Map<string, AlgorithmSpec>()
  for (const name of list as readonly unknown[]) {
    if (typeof name === 'string' && (name.toLowerCase() === 'none' || /^HS\d+$/i.test(name))) {
      throw new GitlabIdTokenError(
        'ERR_INVALID_CONFIG',
        `"algorithms" must not contain "${name}": only asymmetric algorithms can be verified with a public key set; GitLab signs with RS256`,
      )
    }
    const spec = typeof name === 'string' ? SUPPORTED.get(name) : undefined
    if (spec === undefined) {
      throw new GitlabIdTokenError(
        'ERR_INVALID_CONFIG',
        `"algorithms" contains an unsupported value ${JSON.stringify(name)}; supported: ${[...SUPPORTED.keys()].join(', ')}`,
      )
    }
    resolved.set(spec.name, spec)
  }
  return resolved
}
