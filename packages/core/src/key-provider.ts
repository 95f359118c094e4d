/**
 * The per-issuer key cache: discovery, refresh, cooldown, coalescing and stale-if-error.
 *
 * @module
 */

import type { AlgorithmSpec } from './algorithms.js'
import { GitlabIdTokenError } from './errors.js'
import { fetchJson, MAX_RESPONSE_BYTES } from './fetch-json.js'
import { isTrustedUrl } from './issuers.js'
import { importKeySet, type KeyEntry, type KeySet } from './key-set.js'
import type { IssuerConfig } from './types.js'

/** Settings of a {@link KeyProvider}; durations in milliseconds. */
export interface KeyProviderOptions {
  readonly algorithms: ReadonlyMap<string, AlgorithmSpec>
  readonly fetch: typeof fetch
  readonly now: () => number
  readonly cacheMaxAgeMs: number
  readonly cooldownMs: number
  readonly timeoutMs: number
  readonly maxStaleMs: number
  readonly onFetchError?: ((error: Error, issuer: string) => void) | undefined
}

/**
 * Serves one issuer's verification keys.
 *
 * - The whole key set is cached; past `cacheMaxAge` it keeps serving while one background
 *   refresh runs, so no request waits on the network once keys are loaded.
 * - Every fetch is single-flight: any number of concurrent misses share one request.
 * - An unknown `kid` triggers a refetch at most once per `cooldown`, so a flood of random `kid`s
 *   costs one fetch per cooldown. Such a refetch also picks up a real rotation, so a flood cannot
 *   starve one.
 * - When fetches fail, the last good key set keeps serving for `maxStale` past its max age; with
 *   nothing usable the answer is `ERR_JWKS_UNAVAILABLE` (503), never a 401 — the caller did
 *   nothing wrong.
 * - `Cache-Control` is ignored: GitLab sends `max-age=86400`, far longer than a rotation should
 *   take to be noticed.
 */
export class KeyProvider {
  readonly #config: IssuerConfig
  readonly #options: KeyProviderOptions
  readonly #maxAgeMs: number
  #keys: KeySet | undefined
  #fetchedAt = Number.NEGATIVE_INFINITY
  #lastAttemptAt = Number.NEGATIVE_INFINITY
  #lastError: unknown
  #pending: Promise<void> | undefined
  #jwksUri: string | undefined

  constructor(config: IssuerConfig, options: KeyProviderOptions) {
    this.#config = config
    this.#options = options
    this.#jwksUri = config.jwksUri
    // A static key set never goes stale: there is nothing to refresh it from.
    this.#maxAgeMs = config.jwks === undefined ? options.cacheMaxAgeMs : Number.POSITIVE_INFINITY
  }

  /**
   * The candidate keys for `kid`: synchronously when cached (the hot path), as a promise when a
   * fetch has to be awaited.
   *
   * @throws GitlabIdTokenError `ERR_KEY_NOT_FOUND` or `ERR_JWKS_UNAVAILABLE`.
   */
  resolve(kid: string): readonly KeyEntry[] | Promise<readonly KeyEntry[]> {
    const now = this.#options.now()
    const keys = this.#usableKeys(now)
    if (keys !== undefined) {
      if (now - this.#fetchedAt > this.#maxAgeMs) this.#refreshInBackground(now)
      const hit = keys.get(kid)
      if (hit !== undefined) return hit
      if (this.#config.jwks !== undefined) throw this.#keyNotFound()
    }
    if (this.#pending === undefined && !this.#mayFetch(now)) {
      throw keys === undefined ? this.#unavailable(now) : this.#keyNotFound()
    }
    return this.#refresh(now).then(() => this.#afterRefresh(kid))
  }

  /** Whether `entry` still belongs to the usable key set (a removed key invalidates results). */
  holds(entry: KeyEntry): boolean {
    const keys = this.#usableKeys(this.#options.now())
    return keys?.get(entry.kid)?.includes(entry) === true
  }

  #usableKeys(now: number): KeySet | undefined {
    if (this.#keys === undefined) return undefined
    return now - this.#fetchedAt <= this.#maxAgeMs + this.#options.maxStaleMs
      ? this.#keys
      : undefined
  }

  #mayFetch(now: number): boolean {
    return now - this.#lastAttemptAt >= this.#options.cooldownMs
  }

  #refreshInBackground(now: number): void {
    if (this.#pending === undefined && this.#mayFetch(now)) void this.#refresh(now)
  }

  #refresh(now: number): Promise<void> {
    if (this.#pending !== undefined) return this.#pending
    this.#lastAttemptAt = now
    this.#pending = this.#load()
      .then(
        (keys) => {
          this.#keys = keys
          this.#fetchedAt = this.#options.now()
          this.#lastError = undefined
        },
        (error: unknown) => {
          this.#lastError = error
          this.#report(error)
        },
      )
      .finally(() => {
        this.#pending = undefined
      })
    return this.#pending
  }

  #report(error: unknown): void {
    try {
      this.#options.onFetchError?.(
        error instanceof Error ? error : new Error(String(error)),
        this.#config.issuer,
      )
    } catch {
      // An alerting hook must never turn a served request into a failed one.
    }
  }

  #afterRefresh(kid: string): readonly KeyEntry[] {
    const now = this.#options.now()
    const hit = this.#usableKeys(now)?.get(kid)
    if (hit !== undefined) return hit
    // Without a fresh answer we cannot tell an unknown kid from a rotation we failed to see.
    if (this.#lastError !== undefined) throw this.#unavailable(now)
    throw this.#keyNotFound()
  }

  async #load(): Promise<KeySet> {
    const { algorithms } = this.#options
    if (this.#config.jwks !== undefined) return importKeySet(this.#config.jwks, algorithms)
    const uri = this.#jwksUri ?? (await this.#discover())
    try {
      return await importKeySet(await this.#get(uri), algorithms)
    } catch (error) {
      // Re-discover next time: the discovery document is the source of truth for the location.
      if (this.#config.jwksUri === undefined) this.#jwksUri = undefined
      throw error
    }
  }

  async #discover(): Promise<string> {
    const base = this.#config.issuer.replace(/\/+$/, '')
    const document = (await this.#get(`${base}/.well-known/openid-configuration`)) as {
      issuer?: unknown
      jwks_uri?: unknown
    } | null
    // OpenID Connect Discovery 1.0 §4.3: the document's issuer MUST equal the issuer it was
    // fetched for. GitLab's differs when `ci_id_tokens.issuer_url` is overridden: set `jwksUri`.
    if (document?.issuer !== this.#config.issuer) {
      throw new Error(
        `discovery document names issuer ${JSON.stringify(document?.issuer)}, expected ${this.#config.issuer}; configure "jwksUri" for an issuer-URL override`,
      )
    }
    const uri = document.jwks_uri
    if (typeof uri !== 'string' || !isTrustedUrl(uri)) {
      throw new Error('discovery document has no https:// "jwks_uri" (http:// only on loopback)')
    }
    this.#jwksUri = uri
    return uri
  }

  #get(url: string): Promise<unknown> {
    return fetchJson(url, {
      fetch: this.#options.fetch,
      timeoutMs: this.#options.timeoutMs,
      maxBytes: MAX_RESPONSE_BYTES,
    })
  }

  #keyNotFound(): GitlabIdTokenError {
    return new GitlabIdTokenError('ERR_KEY_NOT_FOUND', 'no key with this kid in the key set')
  }

  #unavailable(now: number): GitlabIdTokenError {
    const waitMs = this.#lastAttemptAt + this.#options.cooldownMs - now
    return new GitlabIdTokenError('ERR_JWKS_UNAVAILABLE', 'key set unavailable', {
      cause: this.#lastError,
      retryAfter: Math.max(1, waitMs / 1000),
    })
  }
}
