/**
 * Choosing, per token, whether its signature is checked on the main thread or on libuv's pool.
 *
 * @module
 */

import type { AlgorithmSpec } from './algorithms.js'
import type { DecodedToken } from './decode.js'
import type { KeyEntry } from './key-set.js'
import { verifySignature, verifySignatureAsync } from './signature.js'
import type { CryptoMode } from './types.js'

/**
 * Checks one signature, synchronously or not; the same errors either way.
 *
 * @example
 * ```ts
 * const check: SignatureCheck = createSignatureCheck(settings.crypto)
 * ```
 */
export type SignatureCheck = (
  decoded: DecodedToken,
  spec: AlgorithmSpec,
  keys: readonly KeyEntry[],
) => KeyEntry | Promise<KeyEntry>

/**
 * The signature check for `mode`:
 *
 * - `sync`: always on the calling thread (lowest latency for one request at a time).
 * - `threadpool`: always on the pool (throughput under concurrency, ~30 µs more per request alone).
 * - `auto`: on the pool while another pool check is in flight or a synchronous check already ran
 *   in this event-loop turn, otherwise synchronously. A lone request keeps the sync latency and a
 *   burst spreads over the cores. An event-loop-utilisation heuristic was measured and lost: it
 *   reacts a turn late, so one connection paid the pool's latency.
 *
 * Each verifier has its own scheduler: one that `await`s its checks one by one sees no overlap and
 * runs synchronously, which is what a sequential caller wants.
 *
 * @example
 * ```ts
 * const check = createSignatureCheck('auto')
 * const key = await check(decoded, spec, keys)
 * ```
 */
export function createSignatureCheck(mode: CryptoMode): SignatureCheck {
  if (mode === 'sync') return verifySignature
  let inFlight = 0
  const settle = <T>(value: T): T => {
    inFlight--
    return value
  }
  const fail = (error: unknown): never => {
    inFlight--
    throw error
  }
  const onPool: SignatureCheck = (decoded, spec, keys) => {
    inFlight++
    return verifySignatureAsync(decoded, spec, keys).then(settle, fail)
  }
  if (mode === 'threadpool') return onPool

  let syncThisTurn = false
  const endTurn = (): void => {
    syncThisTurn = false
  }
  return (decoded, spec, keys) => {
    if (inFlight > 0 || syncThisTurn) return onPool(decoded, spec, keys)
    syncThisTurn = true
    // setImmediate runs after the poll phase: every request parsed in this turn sees the flag.
    setImmediate(endTurn).unref()
    return verifySignature(decoded, spec, keys)
  }
}
