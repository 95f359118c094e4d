/**
 * One autocannon load against a server: `distinct` walks the token pool strictly cyclically across
 * all connections, `repeated` sends one token, `bare` sends the same header to a server that
 * ignores it. req/s counts 2xx answers only.
 */

import autocannon from 'autocannon'
import type { BenchTokens } from '../fixtures/bench-issuer.js'
import { errorMessage } from '../harness/child-ipc.js'
import { authHeader } from './probes.js'
import { PATH } from './variants.js'
import type { LoadMode } from './variants.js'

/** autocannon's figures for one load. */
export interface LoadResult {
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly non2xx: number
  readonly answered: number
  readonly errors: number
  readonly timeouts: number
}

// Shared by every run (warm-ups included) so the pool is walked strictly cyclically.
let next = 0

/**
 * Runs autocannon for `seconds` and resolves with its figures.
 *
 * @example
 * ```ts
 * const r = await load(url, 'distinct', tokens, 2, 50)
 * ```
 */
export function load(
  url: string,
  mode: LoadMode,
  tokens: Pick<BenchTokens, 'pool' | 'single'>,
  seconds: number,
  connections: number,
): Promise<LoadResult> {
  const pool = tokens.pool
  const request =
    mode === 'distinct'
      ? {
          method: 'GET' as const,
          path: PATH,
          // One global counter across connections: each token comes back only after the whole
          // pool has been sent, so no result cache ever sees a token twice in a short window.
          setupRequest: (req: autocannon.Request) => {
            // Mutated in place: the client shares the two cores with the server, so it stays cheap.
            ;(req.headers ??= {}).authorization = authHeader(pool[next++ % pool.length] as string)
            return req
          },
        }
      : {
          method: 'GET' as const,
          path: PATH,
          headers: { authorization: authHeader(tokens.single) },
        }
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections, duration: seconds, sampleInt: 250, requests: [request] },
      (err: unknown, r: autocannon.Result) => {
        if (err) {
          reject(err instanceof Error ? err : new Error(errorMessage(err)))
          return
        }
        resolve({
          rps: r['2xx'] / r.duration,
          p50: r.latency.p50,
          p99: r.latency.p99,
          non2xx: r.non2xx,
          answered: r['2xx'] + r.non2xx,
          errors: r.errors,
          timeouts: r.timeouts,
        })
      },
    )
  })
}
