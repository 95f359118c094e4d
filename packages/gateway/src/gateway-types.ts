/**
 * The option and handle types of {@link startGateway}.
 *
 * @module
 */

import type { DestinationStream, Logger } from 'pino'
import type { AdminAnswer } from './admin-handler.js'
import type { GatewayConfig } from './config-types.js'
import type { GatewayMetrics } from './metrics.js'

/**
 * Options of {@link startGateway}.
 *
 * @example
 * ```ts
 * await startGateway(config, { handleSignals: true })
 * ```
 */
export interface StartGatewayOptions {
  /** A pino logger. Default: JSON lines on stdout at the config's `log.level`. */
  readonly logger?: Logger
  /** Where the default logger writes (tests). */
  readonly logDestination?: DestinationStream
  /** The base `fetch` for discovery and key sets. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch
  /** How long start and reload wait for key sets before serving anyway, in ms. Default 5000. */
  readonly warmTimeoutMs?: number
  /** Reload on `SIGHUP`. Default `false` (the bin sets it). */
  readonly handleSignals?: boolean
  /**
   * Listen on the admin port. Default `true`; a `workers` > 1 worker passes `false` because the
   * primary serves the fleet's admin answers (it asks every worker through {@link RunningGateway.admin}).
   */
  readonly serveAdmin?: boolean
}

/**
 * What a reload did.
 *
 * @example
 * ```ts
 * const outcome = await gateway.reload()
 * if (!outcome.ok) console.error(outcome.error.message)
 * ```
 */
export type ReloadOutcome =
  | { readonly ok: true; readonly generation: number }
  | { readonly ok: false; readonly generation: number; readonly error: Error }

/**
 * A running gateway.
 *
 * @example
 * ```ts
 * const { checkUrl, adminUrl, close } = await startGateway(config)
 * ```
 */
export interface RunningGateway {
  /** `http://host:port/check`, for the proxy. */
  readonly checkUrl: string
  /** `http://host:port`, for probes and scrapes. */
  readonly adminUrl: string
  readonly metrics: GatewayMetrics
  /** The configuration generation in use (1 at start). */
  generation(): number
  /** The admin answer for `method` and `url` (`/readyz`, `/metrics`…) without the admin port. */
  admin(method: string, url: string): Promise<AdminAnswer>
  /**
   * Loads (a path, the original file by default, or a loaded config), compiles, warms the key
   * sets and swaps atomically. An invalid config keeps the current one, is logged and counted.
   */
  reload(next?: string | GatewayConfig): Promise<ReloadOutcome>
  /** Stops both servers (open connections included) and the replay store. */
  close(): Promise<void>
}
