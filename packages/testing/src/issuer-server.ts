/**
 * The HTTP side of the mock: a `node:http` server on 127.0.0.1 that routes GitLab's two discovery
 * paths, applies the configured fault mode, counts every request, and closes hard.
 *
 * @module
 */

import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { planResponse, writePlan } from './responses.js'
import type {
  DiscoveryMode,
  EndpointMode,
  OkResponse,
  ResponsePlan,
  ResponseSpec,
} from './responses.js'

/** Live request counters. `total` counts every request, including unknown paths. */
export interface RequestCounters {
  readonly discovery: number
  readonly jwks: number
  /** Requests that reached the redirect target (a client that followed a `redirect`). */
  readonly redirected: number
  /** Requests to any other path or with another method. */
  readonly other: number
  readonly total: number
}

/** An endpoint of the mock, for `nextRequest`. */
export type Endpoint = keyof Omit<RequestCounters, 'total'>

/** What the server serves; read on every request, so changes apply at once. @internal */
export interface ServedContent {
  /** The relative URL root the two paths live under (`''` or e.g. `/gitlab`). */
  basePath(): string
  keySet(): Record<string, unknown>
  discoveryDocument(): Record<string, unknown>
  /** Awaited before answering (the background user-key generation). */
  readonly ready: Promise<unknown>
  /** Loopback port to listen on. Default `0` (any free port). */
  readonly port?: number
}

/** @internal */
export interface IssuerServer {
  readonly origin: string
  readonly requests: RequestCounters
  readonly setKeySetResponse: (mode: EndpointMode | ResponseSpec) => void
  readonly setDiscoveryResponse: (mode: DiscoveryMode | ResponseSpec) => void
  readonly nextRequest: (endpoint: Endpoint) => Promise<void>
  readonly resetRequests: () => void
  readonly close: () => Promise<void>
}

const KEYS_PATH = '/oauth/discovery/keys'
const DISCOVERY_PATH = '/.well-known/openid-configuration'
const KEY_SET_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  // `expires_in 24.hours, public: true, must_revalidate: true, 'no-transform': true` (JwksController#keys).
  'cache-control': 'max-age=86400, public, must-revalidate, no-transform',
}
// Rails' default for a controller that sets no expiry (the doorkeeper discovery action).
const DISCOVERY_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'max-age=0, private, must-revalidate',
}
const WRONG_ISSUER = 'https://gitlab.wrong-issuer.test'

async function listen(server: Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function shutdown(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  // Keep-alive and hanging sockets would otherwise hold close() open indefinitely.
  server.closeAllConnections()
  await closed
}

function okFor(
  endpoint: 'discovery' | 'jwks',
  document: Record<string, unknown>,
  redirectTo: string,
): OkResponse {
  const { keys, jwks_uri: _jwksUri, ...withoutJwksUri } = document
  return {
    headers: endpoint === 'jwks' ? KEY_SET_HEADERS : DISCOVERY_HEADERS,
    document,
    wrongShape: endpoint === 'jwks' ? { no_keys: keys } : withoutJwksUri,
    redirectTo,
  }
}

// nginx in front of GitLab merges slashes (`merge_slashes on`), so `${iss}/.well-known/…` built
// from an issuer with a trailing slash still reaches the document.
// (Not `new URL(req.url, base)`: it reads `//.well-known/…` as a host.)
const pathOf = (req: IncomingMessage): string =>
  (req.url ?? '/').replace(/[?#].*$/s, '').replace(/\/{2,}/g, '/')

/** Starts the server; `content` is consulted per request. @internal */
export async function startIssuerServer(content: ServedContent): Promise<IssuerServer> {
  let keySetMode: EndpointMode | ResponseSpec = 'ok'
  let discoveryMode: DiscoveryMode | ResponseSpec = 'ok'
  const counters = { discovery: 0, jwks: 0, redirected: 0, other: 0, total: 0 }
  const waiters = new Map<Endpoint, (() => void)[]>()
  const timers = new Set<NodeJS.Timeout>()
  let redirectTarget: Promise<{ server: Server; origin: string }> | undefined

  const documentOf = (endpoint: 'discovery' | 'jwks'): Record<string, unknown> =>
    endpoint === 'jwks' ? content.keySet() : content.discoveryDocument()

  const hit = (endpoint: Endpoint): void => {
    counters[endpoint] += 1
    counters.total += 1
    const pending = waiters.get(endpoint) ?? []
    waiters.delete(endpoint)
    for (const resolve of pending) resolve()
  }

  // A second listener is another origin: a client that follows the redirect shows up in `redirected`.
  const ensureRedirectTarget = (): Promise<{ server: Server; origin: string }> => {
    redirectTarget ??= (async () => {
      const target = createServer((req, res) => {
        hit('redirected')
        const endpoint = pathOf(req).endsWith(KEYS_PATH) ? 'jwks' : 'discovery'
        const ok = okFor(endpoint, documentOf(endpoint), '')
        writePlan(res, planResponse('ok', ok)).catch(() => res.destroy())
      })
      return { server: target, origin: await listen(target) }
    })()
    return redirectTarget
  }

  // Synchronous, so the answer reflects the state at the instant the request is counted.
  const plan = (endpoint: 'discovery' | 'jwks', redirectOrigin: string): ResponsePlan => {
    const mode = endpoint === 'jwks' ? keySetMode : discoveryMode
    const redirectTo = `${redirectOrigin}${endpoint === 'jwks' ? KEYS_PATH : DISCOVERY_PATH}`
    if (mode === 'wrong-issuer') {
      const document = { ...documentOf(endpoint), issuer: WRONG_ISSUER }
      return planResponse('ok', okFor(endpoint, document, redirectTo))
    }
    return planResponse(mode, okFor(endpoint, documentOf(endpoint), redirectTo))
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = pathOf(req)
    const base = content.basePath()
    const readable = req.method === 'GET' || req.method === 'HEAD'
    const endpoint =
      readable && path === `${base}${DISCOVERY_PATH}`
        ? 'discovery'
        : readable && path === `${base}${KEYS_PATH}`
          ? 'jwks'
          : undefined
    if (endpoint === undefined) {
      hit('other')
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"404 Not Found"}')
      return
    }
    await content.ready
    const mode = endpoint === 'jwks' ? keySetMode : discoveryMode
    const redirectOrigin = mode === 'redirect' ? (await ensureRedirectTarget()).origin : ''
    hit(endpoint)
    const next = plan(endpoint, redirectOrigin)
    if (next.kind === 'hang') return
    if (next.delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer)
          resolve()
        }, next.delayMs)
        timers.add(timer)
      })
    }
    if (!res.destroyed) await writePlan(res, next)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end()
      else res.destroy()
    })
  })
  const origin = await listen(server, content.port)

  return {
    origin,
    requests: counters,
    setKeySetResponse: (mode) => {
      keySetMode = mode
    },
    setDiscoveryResponse: (mode) => {
      discoveryMode = mode
    },
    nextRequest: (endpoint) =>
      new Promise<void>((resolve) => {
        waiters.set(endpoint, [...(waiters.get(endpoint) ?? []), resolve])
      }),
    resetRequests: () => {
      for (const name of Object.keys(counters) as (keyof typeof counters)[]) counters[name] = 0
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      await Promise.all([
        shutdown(server),
        redirectTarget?.then((target) => shutdown(target.server)),
      ])
    },
  }
}
