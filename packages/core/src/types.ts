/**
 * Public option and result types of the verifier.
 *
 * @module
 */

import type { GitlabIdTokenClaims } from './claims.js'
import type { Policy } from './policy-types.js'

/**
 * A JSON Web Key as published in a key set (RFC 7517).
 *
 * @example
 * ```ts
 * const key: JsonWebKey = { kty: 'RSA', kid: '4i3sFE7…', n: '…', e: 'AQAB', use: 'sig', alg: 'RS256' }
 * ```
 */
export interface JsonWebKey {
  readonly kty: string
  readonly kid?: string
  readonly alg?: string
  readonly use?: string
  readonly [member: string]: unknown
}

/**
 * A JSON Web Key Set document (RFC 7517 §5).
 *
 * @example
 * ```ts
 * const pinned: JsonWebKeySet = JSON.parse(readFileSync('gitlab-jwks.json', 'utf8'))
 * ```
 */
export interface JsonWebKeySet {
  readonly keys: readonly JsonWebKey[]
}

/**
 * One trusted GitLab instance.
 *
 * - With neither `jwksUri` nor `jwks`: keys are discovered through
 *   `{issuer}/.well-known/openid-configuration`, whose `issuer` must equal this one.
 * - `jwksUri`: fetch keys from there directly (instances using GitLab's
 *   `ci_id_tokens.issuer_url` override, whose discovery document names another issuer).
 * - `jwks`: a static key set, never fetched (air-gapped instances).
 *
 * @example
 * ```ts
 * createVerifier({
 *   audience: 'https://deploy.example.com',
 *   issuer: [
 *     'https://gitlab.com',
 *     { issuer: 'https://oidc.example.com', jwksUri: 'https://gitlab.example.com/oauth/discovery/keys' },
 *     { issuer: 'https://gitlab.airgap.example', jwks: { keys: [pinnedKey] } },
 *   ],
 *   policy,
 * })
 * ```
 */
export interface IssuerConfig {
  /** Compared with `iss` exactly, e.g. `https://gitlab.example.com` (no trailing slash fuzz). */
  readonly issuer: string
  readonly jwksUri?: string
  readonly jwks?: JsonWebKeySet
}

/**
 * Key-set cache and fetch settings. All durations are in seconds.
 *
 * @example
 * ```ts
 * createVerifier({ audience, policy, jwks: { cacheMaxAge: 300, cooldown: 10, timeout: 2 } })
 * ```
 */
export interface JwksOptions {
  /** How long a fetched key set is fresh; after that it is refreshed in the background. Default 600. */
  readonly cacheMaxAge?: number
  /** Minimum time between two fetches triggered by an unknown `kid` or a failure. Default 30. */
  readonly cooldown?: number
  /** Fetch timeout. Default 5. */
  readonly timeout?: number
  /** How long past `cacheMaxAge` the last good key set keeps serving while fetches fail. Default 86400. */
  readonly maxStale?: number
  /**
   * Called when a discovery or key-set fetch fails, whether or not a stale key set still serves:
   * the place to alert before `maxStale` runs out. Its own errors are ignored. Default: none.
   */
  readonly onFetchError?: (error: Error, issuer: string) => void
}

/**
 * Remembers token IDs to refuse a second use. `remember` returns `true` the first time a key is
 * seen and `false` afterwards; the key may be forgotten after `expiresAtMs`.
 *
 * @example
 * ```ts
 * // Shared across processes: SET NX with an expiry is exactly "true the first time".
 * const store: ReplayStore = {
 *   async remember(key, expiresAtMs) {
 *     return (await redis.set(key, '1', { NX: true, PXAT: expiresAtMs })) === 'OK'
 *   },
 * }
 * ```
 */
export interface ReplayStore {
  remember(key: string, expiresAtMs: number): boolean | Promise<boolean>
}

/**
 * Options of {@link createVerifier}. All durations are in seconds unless named otherwise.
 *
 * @example
 * ```ts
 * const options: VerifierOptions = {
 *   audience: 'https://deploy.example.com',
 *   policy: { allow: [{ match: { project_id: '42', ref_protected: true }, grants: ['deploy'] }] },
 *   maxTokenAge: 3600,
 * }
 * ```
 */
export interface VerifierOptions {
  /** Required. The audience(s) this service accepts; `aud` must contain one of them. */
  readonly audience: string | readonly string[]
  /** Trusted issuer(s). Default `'https://gitlab.com'`. */
  readonly issuer?: string | IssuerConfig | readonly (string | IssuerConfig)[]
  /** Required: the claim policy every token must satisfy. */
  readonly policy: Policy
  /** Accept allow rules that pin no project or group. Default `false`; read the README first. */
  readonly allowAnyProject?: boolean
  /** Accepted JWS algorithms. Default `['RS256']` (the only one GitLab uses). `none`/`HS*` are refused. */
  readonly algorithms?: readonly string[]
  /** Allowed clock skew for `exp`, `nbf` and `iat`. Default 30. */
  readonly clockTolerance?: number
  /** Refuse tokens whose `iat` is older than this. Default: no limit. */
  readonly maxTokenAge?: number
  /** Refuse longer tokens before any parsing, in bytes. Default 32768. */
  readonly maxTokenLength?: number
  /** Key-set cache settings. */
  readonly jwks?: JwksOptions
  /** Refuse a second use of the same `jti` while the token is valid. Default: off. */
  readonly replay?: { readonly store: ReplayStore }
  /**
   * Verified-result cache, in entries. Default `{ max: 1000 }`; `false` disables it. Time and
   * replay checks still run on every use, and an entry is dropped when its key leaves the key set.
   * Policy function matchers run once per cached token: keep them pure.
   */
  readonly cache?: false | { readonly max?: number }
  /** The `fetch` used for discovery and key sets. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
}

/**
 * What {@link Verifier.verify} resolves to. Frozen.
 *
 * @example
 * ```ts
 * const { claims, grants, rules } = await verifier.verify(token)
 * log.info({ project: claims.project_path, job: claims.job_id, rules }, 'deploy accepted')
 * if (!grants.includes('deploy:prod')) throw new GitlabIdTokenError('ERR_INSUFFICIENT_SCOPE')
 * ```
 */
export interface VerifyResult {
  /** The claims exactly as GitLab sent them (frozen). */
  readonly claims: GitlabIdTokenClaims
  /** Union of the grants of every matching allow rule. */
  readonly grants: readonly string[]
  /** Names (or `allow[i]`) of the matching allow rules. */
  readonly rules: readonly string[]
  /** The issuer that signed the token. */
  readonly issuer: string
  /** When the token expires. */
  readonly expiresAt: Date
}

/**
 * A configured verifier; create one per service and share it (it owns the key cache).
 *
 * @example
 * ```ts
 * const verifier = createVerifier(options)
 * app.use(verifyGitlabIdToken({ verifier })) // share one key cache across apps and routers
 * ```
 */
export interface Verifier {
  /** Verifies a compact JWS and evaluates the policy; throws {@link GitlabIdTokenError}. */
  verify(token: unknown): Promise<VerifyResult>
}
