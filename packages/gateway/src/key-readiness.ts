/**
 * Whether every issuer's key set is usable, for `/readyz` and the key-set gauges, and the warm-up
 * that loads keys before the first check: Envoy's ext_authz times out after 200 ms by default, so
 * a cold fetch inside a check would become a refusal (research note §6.1 "Readiness").
 *
 * @module
 */

import type { IssuerConfig, Verifier } from '@gitlab-id-token/core'
import type { KeySetGauge } from './metrics.js'

/**
 * Options of {@link createKeyReadiness}.
 *
 * @example
 * ```ts
 * createKeyReadiness({ issuers: [{ issuer: 'https://gitlab.com' }], verifiers })
 * ```
 */
export interface KeyReadinessOptions {
  readonly issuers: readonly IssuerConfig[]
  readonly verifiers: readonly Verifier[]
  readonly now?: () => number
}

/**
 * Tracks key-set readiness of one configuration generation. Every verifier has its own key
 * providers (filled from the gateway's shared key-set cache), so an issuer is usable when it is
 * usable in every verifier.
 *
 * @example
 * ```ts
 * const readiness = createKeyReadiness({ issuers, verifiers: [...verifiers.values()] })
 * await readiness.warm(5000)
 * readiness.start(5000) // keeps retrying until ready
 * ```
 */
export function createKeyReadiness(options: KeyReadinessOptions) {
  const now = options.now ?? Date.now
  const verifiers = [...new Set(options.verifiers)]
  let timer: NodeJS.Timeout | undefined

  const states = (): { issuer: string; usable: boolean; stale: boolean; fetchedAt?: number }[] => {
    const all = verifiers.flatMap((verifier) => verifier.health())
    return options.issuers.map(({ issuer }) => {
      const entries = all.filter((h) => h.issuer === issuer)
      const fetchedAt = entries
        .map((h) => h.fetchedAt?.getTime())
        .filter((t): t is number => t !== undefined)
        .sort((a, b) => a - b)[0]
      return {
        issuer,
        usable: entries.length > 0 && entries.every((h) => h.usable),
        stale: entries.some((h) => h.stale),
        ...(fetchedAt === undefined ? {} : { fetchedAt }),
      }
    })
  }
  const load = (): Promise<unknown> =>
    Promise.allSettled(verifiers.map((verifier) => verifier.ready()))

  return {
    /** Every issuer has a usable key set in every verifier. */
    ready(): boolean {
      return states().every((s) => s.usable)
    },
    /** The key-set gauges of `/metrics`. */
    gauges(): KeySetGauge[] {
      return states().map((s) => ({
        issuer: s.issuer,
        stale: !s.usable || s.stale,
        ...(s.fetchedAt === undefined
          ? {}
          : { ageSeconds: Math.max(0, (now() - s.fetchedAt) / 1000) }),
      }))
    },
    /** Loads every issuer's keys in every verifier; resolves after at most `timeoutMs`. */
    async warm(timeoutMs: number): Promise<void> {
      let timeout: NodeJS.Timeout | undefined
      await Promise.race([
        load(),
        new Promise<void>((resolve) => (timeout = setTimeout(resolve, timeoutMs))),
      ])
      clearTimeout(timeout)
    },
    /** Retries the load every `intervalMs` while some issuer is not usable, until stopped. */
    start(intervalMs: number): void {
      timer = setInterval(() => {
        if (!this.ready()) void load()
      }, intervalMs)
      timer.unref()
    },
    stop(): void {
      clearInterval(timer)
    },
  }
}

/**
 * The readiness tracker {@link createKeyReadiness} returns.
 *
 * @example
 * ```ts
 * function isReady(readiness: KeyReadiness) { return readiness.ready() }
 * ```
 */
export type KeyReadiness = ReturnType<typeof createKeyReadiness>
