/**
 * The admin port: `/healthz` (the event loop answers), `/readyz` (every issuer's key set usable,
 * config loaded, replay store answering when a route needs it), `/metrics` and `/jwks.json`.
 * Never on the check port: a proxy must not be able to route a client there.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Generation } from './generation.js'
import type { GatewayMetrics } from './metrics.js'
import type { ReplayStoreHandle } from './store-factories.js'

/**
 * One admin answer, as a value: the fleet admin of `workers` > 1 collects these over IPC.
 *
 * @example
 * ```ts
 * const answer: AdminAnswer = { status: 200, type: 'text/plain', body: 'ok\n' }
 * ```
 */
export interface AdminAnswer {
  readonly status: number
  readonly type: string
  readonly body: string
}

/**
 * Writes `answer` with `Cache-Control: no-store` (a probe must never see a cached readiness).
 *
 * @example
 * ```ts
 * sendAdminAnswer(res, await adminAnswer('GET', '/readyz', generation, services))
 * ```
 */
export function sendAdminAnswer(res: ServerResponse, answer: AdminAnswer): void {
  res.writeHead(answer.status, {
    'Content-Type': answer.type,
    'Content-Length': String(Buffer.byteLength(answer.body)),
    'Cache-Control': 'no-store',
  })
  res.end(answer.body)
}

const text = (status: number, body: string): AdminAnswer => ({ status, type: 'text/plain', body })

/**
 * Computes the admin answer for `method` and `url` on `generation`.
 *
 * @example
 * ```ts
 * const { status } = await adminAnswer('GET', '/readyz', current, { metrics, replay })
 * ```
 */
export async function adminAnswer(
  method: string | undefined,
  url: string | undefined,
  generation: Generation,
  services: { readonly metrics: GatewayMetrics; readonly replay?: ReplayStoreHandle | undefined },
): Promise<AdminAnswer> {
  const path = (url ?? '/').split('?', 1)[0]
  if (method !== 'GET' && method !== 'HEAD') return text(405, 'method not allowed\n')
  switch (path) {
    case '/healthz':
      return text(200, 'ok\n')
    case '/readyz': {
      const keys = generation.readiness.ready()
      const needsReplay = generation.config.routes.some((r) => r.replay)
      let replay = true
      if (needsReplay && services.replay?.ready !== undefined) {
        replay = await Promise.resolve(services.replay.ready()).catch(() => false)
      }
      const ready = keys && replay
      const body = JSON.stringify({
        ready,
        generation: generation.number,
        keySets: generation.readiness.gauges().map((g) => ({ issuer: g.issuer, usable: !g.stale })),
        ...(needsReplay ? { replayStore: replay } : {}),
      })
      return { status: ready ? 200 : 503, type: 'application/json', body: `${body}\n` }
    }
    case '/metrics':
      return {
        status: 200,
        type: 'text/plain; version=0.0.4',
        body: services.metrics.render(generation.readiness.gauges(), generation.number),
      }
    case '/jwks.json':
      if (generation.signer === undefined) return text(404, 'no assertion configured\n')
      return {
        status: 200,
        type: 'application/jwk-set+json',
        body: JSON.stringify(generation.signer.jwks),
      }
    default:
      return text(404, 'not found\n')
  }
}

/**
 * Answers one admin request.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => void handleAdmin(req, res, state.current, { metrics, replay }))
 * ```
 */
export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  generation: Generation,
  services: { readonly metrics: GatewayMetrics; readonly replay?: ReplayStoreHandle | undefined },
): Promise<void> {
  sendAdminAnswer(res, await adminAnswer(req.method, req.url, generation, services))
}
