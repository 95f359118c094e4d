/**
 * One JSON log line per check decision (pino). What a decision log may carry is fixed here:
 * route, outcome, code, rules and reasons (server-side only), identity claims, request ID and
 * latency. Never the token, never a header value the client sent.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import pino, { type DestinationStream, type Logger } from 'pino'

/**
 * Creates the gateway's logger: JSON lines on stdout (or `destination`), `base` without `pid`
 * noise beyond what pino adds, ISO timestamps. Stdout is written asynchronously: pino's default
 * synchronous destination made one `write(2)` per decision, the largest cost of a cached check
 * after the socket itself (bench/src/gateway); lines written while one write is pending are
 * joined into the next, and `startGateway().close()` flushes.
 *
 * @example
 * ```ts
 * const logger = createGatewayLogger({ level: 'info' })
 * ```
 */
export function createGatewayLogger(
  options: { readonly level?: string; readonly destination?: DestinationStream } = {},
): Logger {
  const settings = {
    level: options.level ?? 'info',
    timestamp: pino.stdTimeFunctions.isoTime,
    base: { service: 'gitlab-id-token-gateway', pid: process.pid },
  }
  return pino(settings, options.destination ?? pino.destination({ dest: 1, sync: false }))
}

const IDENTITY = [
  'project_id',
  'project_path',
  'ref',
  'pipeline_id',
  'job_id',
  'sub',
  'iss',
] as const

const IDENTITIES = new WeakMap<object, Readonly<Record<string, string>>>()

/**
 * The identity fields logged for a decision: a few claims as strings, and a hash of `jti`.
 *
 * @example
 * ```ts
 * logIdentity(result.claims) // { project_id: '42', …, jti_sha256: 'ab12…' }
 * ```
 */
export function logIdentity(
  claims: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, string>> | undefined {
  if (claims === undefined) return undefined
  // A repeated token's cached result keeps its claims object: hash its jti once, not per check.
  const known = IDENTITIES.get(claims)
  if (known !== undefined) return known
  const identity: Record<string, string> = {}
  for (const name of IDENTITY) {
    const value = claims[name]
    if (typeof value === 'string' || typeof value === 'number') identity[name] = String(value)
  }
  if (typeof claims.jti === 'string') {
    identity.jti_sha256 = createHash('sha256').update(claims.jti).digest('hex').slice(0, 16)
  }
  Object.freeze(identity)
  IDENTITIES.set(claims, identity)
  return identity
}

/**
 * The fields of one decision line.
 *
 * @example
 * ```ts
 * logger.info(decision, 'check')
 * ```
 */
export interface DecisionLine {
  readonly request_id: string
  readonly profile: string
  readonly route?: string
  readonly outcome: 'allowed' | 'refused'
  readonly status: number
  readonly code?: string
  readonly method?: string
  readonly host?: string
  readonly path?: string
  readonly rules?: readonly string[]
  readonly grants?: readonly string[]
  readonly reasons?: unknown
  readonly identity?: Record<string, string>
  readonly cached?: boolean
  readonly generation: number
  readonly latency_ms: number
  readonly message?: string
}

export type { Logger } from 'pino'
