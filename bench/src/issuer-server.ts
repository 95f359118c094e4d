/**
 * A loopback stand-in for GitLab's discovery and key-set endpoints that counts every fetch.
 *
 * One server hosts any number of issuers: `http://127.0.0.1:PORT` itself and `.../t/<name>`
 * (GitLab instances under a relative URL root have a path in their issuer, so discovery is
 * `{issuer}/.well-known/openid-configuration` with the path kept).
 */

import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { PublicJwk } from './tokens.js'

export interface FetchCounts {
  discovery: number
  jwks: number
}

export interface IssuerServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  /** The root issuer (same as `origin`). */
  readonly issuer: string
  readonly jwksUri: string
  /** Issuer URL of a named tenant, e.g. `tenant('a')` → `http://127.0.0.1:PORT/t/a`. */
  tenant(name: string): string
  /** Fetch counts of one issuer URL (the root when omitted). */
  counts(issuer?: string): FetchCounts
  /** Sum over every issuer. */
  totalCounts(): FetchCounts
  resetCounts(): void
  /** Delay every answer (simulates a remote GitLab; used by the cold-start scenario). */
  setDelay(ms: number): void
  close(): Promise<void>
}

const DISCOVERY = '/.well-known/openid-configuration'
const KEYS = '/oauth/discovery/keys'

export async function startIssuerServer(keys: readonly PublicJwk[]): Promise<IssuerServer> {
  const counts = new Map<string, FetchCounts>()
  let delayMs = 0
  const jwksBody = JSON.stringify({ keys })
  let origin = ''

  const countFor = (issuer: string): FetchCounts => {
    let c = counts.get(issuer)
    if (!c) {
      c = { discovery: 0, jwks: 0 }
      counts.set(issuer, c)
    }
    return c
  }

  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/'
    let prefix: string
    let kind: 'discovery' | 'jwks'
    if (url.endsWith(DISCOVERY)) {
      prefix = url.slice(0, -DISCOVERY.length)
      kind = 'discovery'
    } else if (url.endsWith(KEYS)) {
      prefix = url.slice(0, -KEYS.length)
      kind = 'jwks'
    } else {
      res.writeHead(404).end()
      return
    }
    if (prefix !== '' && !/^\/t\/[\w-]+$/.test(prefix)) {
      res.writeHead(404).end()
      return
    }
    const issuer = origin + prefix
    countFor(issuer)[kind]++
    const body =
      kind === 'jwks'
        ? jwksBody
        : JSON.stringify({
            issuer,
            jwks_uri: issuer + KEYS,
            response_types_supported: ['code'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['RS256'],
          })
    const send = (): void => {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'max-age=86400, public, must-revalidate, no-transform',
      })
      res.end(body)
    }
    if (delayMs > 0) setTimeout(send, delayMs)
    else send()
  })
  // Cold start opens 1,000 connections at once; the default backlog (511) would drop SYNs.
  await new Promise<void>((resolve) =>
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve),
  )
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    origin,
    issuer: origin,
    jwksUri: origin + KEYS,
    tenant: (name) => `${origin}/t/${name}`,
    counts: (issuer = origin) => ({ ...countFor(issuer) }),
    totalCounts: () => {
      const total = { discovery: 0, jwks: 0 }
      for (const c of counts.values()) {
        total.discovery += c.discovery
        total.jwks += c.jwks
      }
      return total
    },
    resetCounts: () => counts.clear(),
    setDelay: (ms) => {
      delayMs = ms
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
