/**
 * Getting one issuer's keys into memory: from the static configuration, from the fleet's shared
 * cache, or from the issuer itself.
 *
 * @module
 */

import type { AlgorithmSpec } from './algorithms.js'
import { importKeyDocument } from './key-set.js'
import { KeySetSource } from './key-set-source.js'
import {
  loadThroughShared,
  readShared,
  type LoadedKeySet,
  type SharedContext,
} from './shared-key-set.js'
import type { IssuerConfig, SharedKeySetCache } from './types.js'

const SHARED_REREAD_MS = 1000

/** Settings of a {@link KeySetLoader}; durations in milliseconds. */
export interface KeySetLoaderOptions {
  readonly algorithms: ReadonlyMap<string, AlgorithmSpec>
  readonly fetch: typeof fetch
  readonly now: () => number
  readonly timeoutMs: number
  readonly maxAgeMs: number
  readonly shared?: SharedKeySetCache | undefined
  /** Told about every failure the loader recovers from (shared-cache errors, refused entries). */
  readonly report: (error: Error) => void
}

/**
 * Loads an issuer's key set: a static `jwks` is imported, otherwise the document is fetched
 * (through `shared` when configured) and imported with the same filtering whatever its source.
 *
 * @example
 * ```ts
 * const loader = new KeySetLoader({ issuer }, { algorithms, fetch, now, timeoutMs, maxAgeMs, report })
 * const { keys, fetchedAt } = await loader.load(now, { forKid: false, since: Number.NEGATIVE_INFINITY })
 * ```
 */
export class KeySetLoader {
  readonly #config: IssuerConfig
  readonly #options: KeySetLoaderOptions
  readonly #source: KeySetSource
  readonly #shared: SharedContext | undefined
  #reading: Promise<LoadedKeySet | undefined> | undefined
  #readAt = Number.NEGATIVE_INFINITY

  constructor(config: IssuerConfig, options: KeySetLoaderOptions) {
    this.#config = config
    this.#options = options
    this.#source = new KeySetSource(config, options)
    this.#shared =
      options.shared === undefined || config.jwks !== undefined
        ? undefined
        : {
            cache: options.shared,
            issuer: config.issuer,
            algorithms: options.algorithms,
            timeoutMs: options.timeoutMs,
            now: options.now,
            report: options.report,
          }
  }

  /** The key-set URL in use, if known. */
  get jwksUri(): string | undefined {
    return this.#source.jwksUri
  }

  /** Whether a shared cache is in use. */
  get shared(): boolean {
    return this.#shared !== undefined
  }

  /**
   * Loads the key set. `forKid`: the load was caused by an unknown `kid` on a loaded set, so only
   * a document fetched after `now` can tell; otherwise a shared entry newer than `since` and within
   * `cacheMaxAge` saves a fetch.
   */
  async load(
    now: number,
    { forKid, since }: { readonly forKid: boolean; readonly since: number },
  ): Promise<LoadedKeySet> {
    const { algorithms } = this.#options
    if (this.#config.jwks !== undefined) {
      const imported = await importKeyDocument(this.#config.jwks, algorithms)
      return { ...imported, fetchedAt: now, shared: false }
    }
    if (this.#shared === undefined) return this.#fetchOwn()
    const accept = forKid
      ? (at: number) => at >= now
      : (at: number) => at > since && this.#options.now() - at <= this.#options.maxAgeMs
    return loadThroughShared(this.#shared, accept, () => this.#fetchOwn())
  }

  /**
   * The shared entry when it is newer than `since`; `undefined` otherwise, without a shared
   * cache, or when it was read less than a second ago (a flood of unknown `kid`s costs one read
   * a second). Concurrent calls share one read.
   */
  readNewer(since: number, now: number): Promise<LoadedKeySet | undefined> {
    if (this.#shared === undefined) return Promise.resolve(undefined)
    if (this.#reading !== undefined) return this.#reading
    if (now - this.#readAt < SHARED_REREAD_MS) return Promise.resolve(undefined)
    this.#readAt = now
    this.#reading = readShared(this.#shared, (at) => at > since).finally(() => {
      this.#reading = undefined
    })
    return this.#reading
  }

  /** Remembers where another instance found the keys, to skip discovery next time. */
  adopt(loaded: LoadedKeySet): void {
    this.#source.adopt(loaded.jwksUri)
  }

  async #fetchOwn(): Promise<LoadedKeySet & { readonly document: unknown }> {
    const { document, jwksUri } = await this.#source.fetch()
    try {
      const imported = await importKeyDocument(document, this.#options.algorithms)
      return { ...imported, document, jwksUri, fetchedAt: this.#options.now(), shared: false }
    } catch (error) {
      // Re-discover next time: the discovery document is the source of truth for the location.
      this.#source.forget()
      throw error
    }
  }
}
