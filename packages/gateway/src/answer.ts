/**
 * Writing the check answer. The contract is the intersection of the five proxies (research note
 * §1.1): allow is exactly `200` with an empty body (Envoy accepts nothing else); a refusal carries
 * its status, `WWW-Authenticate`, `Retry-After` on 503 and a JSON body, and never an identity
 * header or assertion, because Caddy, Traefik and Envoy copy a refusal's headers to the client.
 *
 * @module
 */

import type { ServerResponse } from 'node:http'
import type { GitlabIdTokenError } from '@gitlab-id-token/core'

// Every answer depends on the token: a proxy cache keyed on the URL would serve one job's
// decision to another, and would bypass replay checks (research note §6.1 "Caching").
const NO_STORE = 'no-store'

/**
 * Answers an allowed check: `200`, empty body, the identity headers and the profile's extras.
 *
 * @example
 * ```ts
 * sendAllow(res, [['X-Gitlab-Project-Id', '42']])
 * ```
 */
export function sendAllow(
  res: ServerResponse,
  headers: readonly (readonly [string, string])[],
): void {
  // One flat array through writeHead skips setHeader's per-call bookkeeping on the hot path.
  const flat = ['Cache-Control', NO_STORE, 'Content-Length', '0']
  for (const [name, value] of headers) flat.push(name, value)
  res.writeHead(200, flat).end()
}

/**
 * Answers a refused check with the error's status, challenge headers and `toJSON()` body.
 *
 * @example
 * ```ts
 * sendRefusal(res, new GitlabIdTokenError('ERR_ROUTE_NOT_FOUND'))
 * ```
 */
export function sendRefusal(
  res: ServerResponse,
  error: GitlabIdTokenError,
  requestId?: string,
): void {
  const body = JSON.stringify(
    requestId === undefined ? error.toJSON() : { ...error.toJSON(), request_id: requestId },
  )
  res.statusCode = error.status
  res.setHeader('Cache-Control', NO_STORE)
  res.setHeader('Content-Type', 'application/json')
  res.setHeader('Content-Length', String(Buffer.byteLength(body)))
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value)
  res.end(body)
}
