/**
 * Verifying the short-lived assertion `@gitlab-id-token/gateway` signs for the app behind a proxy,
 * so the app can refuse traffic that bypassed the proxy (Pomerium's `X-Pomerium-Jwt-Assertion`
 * model: "the upstream must prevent direct traffic that can bypass Pomerium").
 *
 * @module
 */

import { resolveAlgorithms, type AlgorithmSpec } from './algorithms.js'
import { decodeToken, type DecodedToken } from './decode.js'
import { GitlabIdTokenError, isGitlabIdTokenError } from './errors.js'
import { isTrustedUrl } from './issuers.js'
import { KeyProvider } from './key-provider.js'
import type { KeyEntry } from './key-set.js'
import { verifySignature } from './signature.js'
import type { IssuerConfig, JsonWebKeySet } from './types.js'

/**
 * The `typ` header of every gateway assertion (RFC 8725 §3.11: explicit typing keeps a CI token,
 * or any other JWT signed by a key the app trusts, from being accepted as an assertion).
 *
 * @example
 * ```ts
 * header.typ === GATEWAY_ASSERTION_TYPE // 'gitlab-gateway-assertion+jwt'
 * ```
 */
export const GATEWAY_ASSERTION_TYPE = 'gitlab-gateway-assertion+jwt'

/**
 * What a verified gateway assertion carries. Frozen.
 *
 * @example
 * ```ts
 * const assertion = await assertions.verify(req.headers['x-gitlab-assertion'])
 * if (!assertion.grants.includes('deploy:production')) res.status(403).end()
 * ```
 */
export interface GatewayAssertion {
  /** The gateway's issuer name (its `assertion.issuer` setting). */
  readonly iss: string
  /** The route's audience (or the gateway's `assertion.audience`). */
  readonly aud: string
  /** The CI token's `sub`, e.g. `project_path:acme/widget:ref_type:branch:ref:main`. */
  readonly sub: string
  /** The name of the gateway route that allowed the request. */
  readonly route: string
  /** The grants the route's policy gave the token. */
  readonly grants: readonly string[]
  /** The identity claims the gateway pinned (`project_id`, `ref`, …), as strings. */
  readonly claims: Readonly<Record<string, string>>
  readonly iat: number
  readonly exp: number
  /** A hash of the CI token's `jti` (never the `jti` itself). */
  readonly jti: string
}

/**
 * Options of {@link createGatewayAssertionVerifier}. Set exactly one of `jwksUri` and `jwks`.
 *
 * @example
 * ```ts
 * createGatewayAssertionVerifier({ jwksUri: 'http://127.0.0.1:9090/jwks.json', issuer: 'gitlab-id-token-gateway' })
 * ```
 */
export interface GatewayAssertionVerifierOptions {
  /** The gateway's admin `/jwks.json` (https://, or http:// on loopback). */
  readonly jwksUri?: string
  /** A static key set (the gateway's public key exported once). */
  readonly jwks?: JsonWebKeySet
  /** Required: the gateway's `assertion.issuer`, compared exactly. */
  readonly issuer: string
  /** When set, `aud` must equal it (or one of them). Default: any. */
  readonly audience?: string | readonly string[]
  /** The request header carrying the assertion (for adapters). Default `'x-gitlab-assertion'`. */
  readonly header?: string
  /** Longest accepted `exp - iat` and clock tolerance base, in seconds. Default 60. */
  readonly maxAge?: number
  /** The `fetch` used for `jwksUri`. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
}

/**
 * A configured assertion verifier; `verify` throws `ERR_ASSERTION_INVALID` (401), or
 * `ERR_JWKS_UNAVAILABLE` (503, with `Retry-After`) when the gateway's key set cannot be loaded.
 *
 * @example
 * ```ts
 * const { grants, route } = await assertions.verify(value)
 * ```
 */
export interface GatewayAssertionVerifier {
  /** The lowercase header name adapters read. */
  readonly header: string
  verify(value: unknown): Promise<GatewayAssertion>
}

// A few seconds of skew between the gateway's and the app's clocks; assertions live ≤ 60 s.
const CLOCK_TOLERANCE_S = 5
// The key cache (KeyProvider): an unknown kid refetches at most once per 30 s; the whole set is
// refreshed in the background past 5 min, so a key the gateway rotated out stops verifying; while
// fetches fail the last good set serves for at most 1 h more, then the answer is 503.
const KEY_SET_SETTINGS = {
  cacheMaxAgeMs: 300_000,
  cooldownMs: 30_000,
  maxStaleMs: 3_600_000,
  timeoutMs: 5000,
} as const
// The gateway signs EdDSA over Ed25519 only (RFC 8037), so nothing else is accepted.
const EDDSA: ReadonlyMap<string, AlgorithmSpec> = resolveAlgorithms(['EdDSA'])
const EDDSA_SPEC = EDDSA.get('EdDSA') as AlgorithmSpec
const ED25519_SIGNATURE_BYTES = 64

function invalid(message: string, cause?: unknown): GitlabIdTokenError {
  return new GitlabIdTokenError(
    'ERR_ASSERTION_INVALID',
    message,
    cause === undefined ? {} : { cause },
  )
}

// An unknown key or a bad signature is the caller's fault (401); an unavailable key set is not
// (ERR_JWKS_UNAVAILABLE, 503 with Retry-After, passes through).
async function checkSignature(
  provider: KeyProvider,
  decoded: DecodedToken,
  kid: string,
): Promise<void> {
  try {
    const keys: readonly KeyEntry[] = await provider.resolve(kid)
    // EdDSA also names Ed448 (RFC 8037 §3.1); the gateway's keys are Ed25519 (64-byte signatures).
    const ed25519 = keys.filter((key) => key.signatureLength === ED25519_SIGNATURE_BYTES)
    verifySignature(decoded, EDDSA_SPEC, ed25519)
  } catch (error) {
    if (isGitlabIdTokenError(error, 'ERR_KEY_NOT_FOUND')) {
      throw invalid('assertion signed by an unknown key', error)
    }
    if (isGitlabIdTokenError(error, 'ERR_SIGNATURE_INVALID')) {
      throw invalid('assertion signature invalid', error)
    }
    throw error
  }
}

function checkPayload(
  payload: Record<string, unknown>,
  issuer: string,
  audiences: ReadonlySet<string> | undefined,
  maxAge: number,
  nowS: number,
): GatewayAssertion {
  const { iss, aud, sub, route, grants, claims, iat, exp, jti } = payload
  if (iss !== issuer) throw invalid('assertion iss is not the configured gateway')
  if (typeof aud !== 'string' || (audiences !== undefined && !audiences.has(aud))) {
    throw invalid('assertion aud is not accepted')
  }
  if (typeof iat !== 'number' || typeof exp !== 'number' || exp <= iat || exp - iat > maxAge) {
    throw invalid(`assertion lifetime must be at most ${maxAge} s`)
  }
  if (exp + CLOCK_TOLERANCE_S <= nowS) throw invalid('assertion expired')
  if (iat - CLOCK_TOLERANCE_S > nowS) throw invalid('assertion issued in the future')
  if (typeof sub !== 'string' || typeof route !== 'string' || typeof jti !== 'string') {
    throw invalid('assertion sub, route and jti must be strings')
  }
  if (!Array.isArray(grants) || !grants.every((g) => typeof g === 'string')) {
    throw invalid('assertion grants must be an array of strings')
  }
  const pinned = claims as Record<string, unknown> | null
  if (typeof pinned !== 'object' || pinned === null || Array.isArray(pinned)) {
    throw invalid('assertion claims must be an object')
  }
  for (const value of Object.values(pinned)) {
    if (typeof value !== 'string') throw invalid('assertion claims must be strings')
  }
  return Object.freeze({
    iss,
    aud,
    sub,
    route,
    grants: Object.freeze([...grants] as string[]),
    claims: Object.freeze({ ...(pinned as Record<string, string>) }),
    iat,
    exp,
    jti,
  })
}

/**
 * Creates a verifier for the assertions `@gitlab-id-token/gateway` adds on allow
 * (`assertion: { header, keyFile, ttl }` in `gateway.yaml`). It checks, in order: compact JWS shape,
 * `alg: EdDSA` and `typ` {@link GATEWAY_ASSERTION_TYPE}, the Ed25519 key by `kid`, the signature,
 * `iss`, `aud` (when configured), and `iat`/`exp` (lifetime ≤ `maxAge`, 5 s clock tolerance).
 * Every failure is `ERR_ASSERTION_INVALID` (401), except a key set that cannot be loaded.
 *
 * Keys from `jwksUri` are cached by the core's key provider: an unknown `kid` refetches at most
 * once per 30 s (while that budget is spent, a `kid` no fetch has shown absent gets a retryable
 * 503 `ERR_JWKS_UNAVAILABLE`, since it may be a rotation not yet seen); the whole set is refreshed
 * in the background once older than 5 min, so a key the gateway rotated out stops verifying; while
 * fetches fail the last good set keeps serving for up to 1 h more. With no usable key set the
 * answer is 503 `ERR_JWKS_UNAVAILABLE` with `Retry-After`, never a 401.
 *
 * Defaults: `header` `'x-gitlab-assertion'`, `maxAge` 60, `fetch` `globalThis.fetch`, `now` `Date.now`.
 *
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` for bad options.
 * @example
 * ```ts
 * const assertions = createGatewayAssertionVerifier({
 *   jwksUri: 'http://127.0.0.1:9090/jwks.json',
 *   issuer: 'gitlab-id-token-gateway',
 *   audience: 'https://deploy.acme.example',
 * })
 * const assertion = await assertions.verify(req.headers['x-gitlab-assertion'])
 * ```
 */
export function createGatewayAssertionVerifier(
  options: GatewayAssertionVerifierOptions,
): GatewayAssertionVerifier {
  const config = (message: string): GitlabIdTokenError =>
    new GitlabIdTokenError('ERR_INVALID_CONFIG', message)
  if (typeof options !== 'object' || options === null) throw config('options are required')
  const { jwksUri, jwks, issuer } = options
  if ((jwksUri === undefined) === (jwks === undefined)) {
    throw config('gateway assertion: set exactly one of "jwksUri" and "jwks"')
  }
  if (jwksUri !== undefined && !isTrustedUrl(jwksUri)) {
    throw config('gateway assertion: "jwksUri" must be https:// (http:// only on loopback)')
  }
  if (jwks !== undefined && !Array.isArray((jwks as { keys?: unknown } | null)?.keys)) {
    throw config('gateway assertion: "jwks" must be a key set, { "keys": [...] }')
  }
  if (typeof issuer !== 'string' || issuer.length === 0) {
    throw config('gateway assertion: "issuer" is required: the gateway\'s assertion.issuer')
  }
  const maxAge = options.maxAge ?? 60
  if (!Number.isFinite(maxAge) || maxAge <= 0) {
    throw config('gateway assertion: "maxAge" must be a positive number of seconds')
  }
  const list = options.audience === undefined ? undefined : [options.audience].flat()
  const audiences = list === undefined ? undefined : new Set<string>(list)
  const fetchImpl = options.fetch ?? globalThis.fetch
  const now = options.now ?? Date.now
  const header = (options.header ?? 'x-gitlab-assertion').toLowerCase()

  // Exactly one is set (checked above).
  const source: IssuerConfig =
    jwks === undefined ? { issuer, jwksUri: jwksUri as string } : { issuer, jwks }
  const provider = new KeyProvider(source, {
    ...KEY_SET_SETTINGS,
    algorithms: EDDSA,
    fetch: fetchImpl,
    now,
  })

  return {
    header,
    async verify(value) {
      let decoded
      try {
        decoded = decodeToken(value, 16_384)
      } catch (cause) {
        throw invalid('assertion is not a compact JWS', cause)
      }
      const { header: jose, payload } = decoded
      if (jose.alg !== 'EdDSA') throw invalid('assertion alg must be EdDSA')
      if (jose.typ !== GATEWAY_ASSERTION_TYPE) throw invalid('assertion typ is wrong')
      if (jose.crit !== undefined) throw invalid('assertion has an unsupported crit header')
      if (typeof jose.kid !== 'string' || jose.kid.length === 0 || jose.kid.length > 128) {
        throw invalid('assertion kid missing')
      }
      await checkSignature(provider, decoded, jose.kid)
      return checkPayload(payload, issuer, audiences, maxAge, now() / 1000)
    },
  }
}
