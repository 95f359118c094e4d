/**
 * Public option and result types of the verifier.
 *
 * @module
 */

import type { PolicyOptions } from './policy.js'
import type { Policy } from './policy-types.js'
import type { DecisionEvent } from './result-types.js'

export type {
  DecisionEvent,
  IssuerHealth,
  Verifier,
  VerifierDescription,
  VerifyContext,
  VerifyResult,
} from './result-types.js'

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
  /**
   * Compared with `iss` exactly, e.g. `https://gitlab.example.com` (no trailing slash fuzz). A
   * trailing slash is refused unless `jwksUri` or `jwks` is set: only an `issuer_url` override
   * puts one in `iss`, and its discovery document names the instance URL instead.
   */
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
  /**
   * How long a fetched key set is fresh; after that it is refreshed in the background, on cache
   * hits too. Honoured as set, even below `cooldown`. Default 600.
   */
  readonly cacheMaxAge?: number
  /** Minimum time between two on-demand fetches (unknown `kid`, failure, cold start). Default 5. */
  readonly cooldown?: number
  /**
   * On-demand fetches allowed in any 60 s window. While the budget is spent, an unknown `kid` is
   * answered 503 `ERR_JWKS_UNAVAILABLE` with `Retry-After` (it may be a rotation not yet seen),
   * unless the latest fetch already showed the `kid` absent (401). Default 6.
   */
  readonly refetchesPerMinute?: number
  /** Fetch timeout. Default 5. */
  readonly timeout?: number
  /** How long past `cacheMaxAge` the last good key set keeps serving while fetches fail. Default 86400. */
  readonly maxStale?: number
  /**
   * Called when a discovery or key-set fetch fails, whether or not a stale key set still serves:
   * the place to alert before `maxStale` runs out. Its own errors are ignored. Default: none.
   */
  readonly onFetchError?: (error: Error, issuer: string) => void
  /**
   * A key-set cache shared by several instances (e.g. `@gitlab-id-token/redis`): read before
   * fetching, written by the one instance holding its lock. Its entries are validated like
   * fetched documents; when it fails or stays empty, each instance fetches itself. Default: none.
   */
  readonly shared?: SharedKeySetCache
}

/**
 * One issuer's key-set document as a {@link SharedKeySetCache} stores it.
 *
 * @example
 * ```ts
 * const entry: SharedKeySetEntry = { jwks, fetchedAt: Date.now(), jwksUri: 'https://gitlab.com/oauth/discovery/keys' }
 * ```
 */
export interface SharedKeySetEntry {
  readonly jwks: JsonWebKeySet
  /** When the instance that wrote it fetched it from the issuer, in epoch milliseconds. */
  readonly fetchedAt: number
  readonly jwksUri?: string
}

/**
 * Storage that lets a fleet make one key-set fetch per refresh instead of one per instance.
 * Every method may reject; the verifier then fetches itself.
 *
 * @example
 * ```ts
 * const entries = new Map<string, SharedKeySetEntry>()
 * const locks = new Set<string>()
 * const shared: SharedKeySetCache = {
 *   get: async (issuer) => entries.get(issuer),
 *   set: async (issuer, entry) => void entries.set(issuer, entry),
 *   lock: async (issuer) => !locks.has(issuer) && Boolean(locks.add(issuer)),
 *   unlock: async (issuer) => void locks.delete(issuer),
 * }
 * ```
 */
export interface SharedKeySetCache {
  /** The stored entry, integrity-checked by the implementation, or `undefined`. */
  get(issuer: string): Promise<SharedKeySetEntry | undefined>
  set(issuer: string, entry: SharedKeySetEntry): Promise<void>
  /** `true`: the caller holds the lock for `ttlMs` and fetches. */
  lock(issuer: string, ttlMs: number): Promise<boolean>
  unlock(issuer: string): Promise<void>
}

/**
 * What a {@link ReplayStore} learns about the token it is asked to remember, for stores that
 * partition or meter by tenant.
 *
 * @example
 * ```ts
 * const context: ReplayContext = { issuer: 'https://gitlab.com', jti: '6a1c…', tenant: '42' }
 * ```
 */
export interface ReplayContext {
  readonly issuer: string
  readonly jti: string
  /** The token's `project_id`. */
  readonly tenant?: string
}

/**
 * Remembers token IDs to refuse a second use. `remember` returns `true` the first time a key is
 * seen and `false` afterwards; the key may be forgotten after `expiresAtMs`. Only the boolean
 * `true` admits: any other answer, a throw, a rejection or no answer within `replay.timeout` is a
 * store failure (`ERR_REPLAY_UNAVAILABLE`, 503), never a 401.
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
  remember(key: string, expiresAtMs: number, context?: ReplayContext): boolean | Promise<boolean>
}

/**
 * Replay protection settings.
 *
 * @example
 * ```ts
 * replay: { store: createMemoryReplayStore(), timeout: 0.5, only: { grants: ['deploy:prod'] } }
 * ```
 */
export interface ReplayOptions {
  readonly store: ReplayStore
  /** Seconds `remember()` may take before the request fails with 503. Default 1. */
  readonly timeout?: number
  /**
   * Spend the store only on tokens that matched one of these rules or received one of these
   * grants; other tokens are never remembered. Default: every token.
   */
  readonly only?: { readonly rules?: readonly string[]; readonly grants?: readonly string[] }
}

/**
 * How signatures are checked. `sync` blocks the event loop for each RSA verification (fastest at
 * one request at a time); `threadpool` runs each on libuv's pool; `auto` uses the pool only while
 * another check is in flight or a synchronous one already ran in this event-loop turn.
 *
 * @example
 * ```ts
 * createVerifier({ audience, policy, crypto: os.availableParallelism() >= 2 ? 'auto' : 'sync' })
 * ```
 */
export type CryptoMode = 'sync' | 'threadpool' | 'auto'

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
  readonly allowAnyProject?: PolicyOptions['allowAnyProject']
  /**
   * Let `allowAnyProject` apply to a shared instance such as `https://gitlab.com`, where anyone
   * can mint a token for your audience. Default `false`.
   */
  readonly allowAnyProjectOnSharedInstance?: boolean
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
  /**
   * Allow `clockTolerance` above 300 s. Default `false`: a tolerance that large is almost always a
   * unit mistake (milliseconds), and it would accept tokens long expired.
   */
  readonly allowLargeClockTolerance?: boolean
  /** Refuse a second use of the same `jti` while the token is valid. Default: off. */
  readonly replay?: ReplayOptions
  /**
   * Verified-result cache. Default `{ max: 1000 }`; `false` disables it. A token enters only
   * when it is seen a second time, so distinct-token traffic never pays for it. Time and replay
   * checks still run on every use, and an entry is dropped when its key leaves the key set.
   * Policy function matchers run once per cached token: keep them pure.
   */
  readonly cache?: false | { readonly max?: number }
  /** How signatures are checked (see {@link CryptoMode}). Default `'sync'`. */
  readonly crypto?: CryptoMode
  /**
   * Called once per `verify()` with what was decided, and once more when a grant check refuses a
   * verified result. `request` is what the caller passed as `context.request` (the adapters pass
   * the framework request). Its errors are ignored. Default: none.
   */
  readonly onDecision?: (event: DecisionEvent, request?: unknown) => void
  /** The `fetch` used for discovery and key sets. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
}
