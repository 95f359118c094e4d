/**
 * The check endpoint: profile → original request → route → token → verifier → grants → answer,
 * then one decision line and the metrics. Each check runs entirely on the configuration
 * generation it started with, so a reload never changes a decision half-way.
 *
 * @module
 */

import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  extractBearerToken,
  GitlabIdTokenError,
  isGitlabIdTokenError,
  type VerifyResult,
} from '@gitlab-id-token/core'
import { sendAllow, sendRefusal } from './answer.js'
import type { DecisionLine } from './decision-log.js'
import { logIdentity } from './decision-log.js'
import type { Generation } from './generation.js'
import { identityValues } from './identity-headers.js'
import { matchRoute, type RouteMatch } from './match-route.js'
import { decisionKey, type GatewayMetrics } from './metrics.js'
import type { Logger } from 'pino'

/** Collects what the core's `onDecision` hook reports for this check. */
export interface CheckContext {
  event?: Readonly<Record<string, unknown>>
}

// A proxy's request ID is reused when it looks like one, so the gateway's line joins the proxy's.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
}

function asGatewayError(error: unknown, replayRoute: boolean): GitlabIdTokenError {
  if (isGitlabIdTokenError(error)) return error
  // A replay store that throws is the store's outage, never the caller's fault (503, not 500).
  if (replayRoute)
    return new GitlabIdTokenError('ERR_REPLAY_UNAVAILABLE', 'replay store failed', {
      cause: error,
      details: { reason: 'error' },
    })
  return new GitlabIdTokenError('ERR_GATEWAY_MISCONFIGURED', 'unexpected error in the check', {
    cause: error,
  })
}

/**
 * Answers one check request on `generation`.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => void handleCheck(req, res, state.current, { logger, metrics }))
 * ```
 */
export async function handleCheck(
  req: IncomingMessage,
  res: ServerResponse,
  generation: Generation,
  services: { readonly logger: Logger; readonly metrics: GatewayMetrics },
): Promise<void> {
  const started = process.hrtime.bigint()
  const requestId = requestIdOf(req)
  const { config, profile } = generation
  const context: CheckContext = {}
  let match: RouteMatch | undefined
  let result: VerifyResult | undefined
  let failure: GitlabIdTokenError | undefined
  let method: string | undefined
  try {
    const original = profile.read(req)
    if (original === undefined) {
      res.writeHead(404, { 'Cache-Control': 'no-store', 'Content-Length': '0' }).end()
      return
    }
    method = original.method.toUpperCase()
    match = matchRoute(config, original)
    const route = match.route
    if (route === undefined) {
      throw new GitlabIdTokenError('ERR_ROUTE_NOT_FOUND', 'no route matches the request', {
        details: { reasons: match.reasons },
      })
    }
    const token = extractBearerToken(req.headersDistinct.authorization)
    const verifier = generation.verifiers.get(route.name) as NonNullable<
      ReturnType<typeof generation.verifiers.get>
    >
    result = await verifier.verify(token, { request: context, requestId })
    generation.grantChecks.get(route.name)?.(result)
    const identity = identityValues(config.identityHeaders, result, route.name)
    const headers: [string, string][] = [
      ...identity,
      ...profile.allowHeaders.map(([n, v]) => [n, v] as [string, string]),
    ]
    if (generation.signer !== undefined) {
      const pinned: Record<string, string> = {}
      for (const [i, header] of config.identityHeaders.entries()) {
        if (header.source.kind === 'claim')
          pinned[header.source.claim] = (identity[i] as [string, string])[1]
      }
      headers.push([
        generation.signer.header,
        generation.signer.sign(result, route.name, route.audiences[0] as string, pinned),
      ])
    }
    sendAllow(res, headers)
  } catch (error) {
    failure = asGatewayError(error, match?.route?.replay === true)
    if (failure.code === 'ERR_REPLAY_UNAVAILABLE') {
      const details = failure.details as { reason?: string } | undefined
      services.metrics.replayErrors.inc({ reason: details?.reason ?? 'error' })
    }
    if (!res.headersSent) sendRefusal(res, failure, requestId)
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const route = match?.route?.name
  services.metrics.checkSeconds.observe(seconds)
  services.metrics.decisions.incKey(
    decisionKey(route ?? '', failure === undefined ? 'allowed' : 'refused', failure?.code ?? ''),
  )
  const event = context.event
  const details = failure?.details as { reasons?: unknown; identity?: unknown } | undefined
  // The core's decision event names the (possibly unverified) identity of a refused token too.
  const claims = (result?.claims ?? event?.identity ?? details?.identity) as
    Record<string, unknown> | undefined
  const reasons = details?.reasons ?? event?.reasons
  const line: DecisionLine = {
    request_id: requestId,
    profile: profile.name,
    ...(route === undefined ? {} : { route }),
    outcome: failure === undefined ? 'allowed' : 'refused',
    status: failure?.status ?? 200,
    ...(failure === undefined ? {} : { code: failure.code, message: failure.message }),
    ...(method === undefined ? {} : { method }),
    ...(match === undefined ? {} : { host: match.host, path: match.path }),
    ...(result === undefined ? {} : { rules: result.rules, grants: result.grants }),
    ...(reasons === undefined ? {} : { reasons }),
    ...(claims === undefined ? {} : { identity: logIdentity(claims) ?? {} }),
    ...(typeof event?.cached === 'boolean' ? { cached: event.cached } : {}),
    generation: generation.number,
    latency_ms: Math.round(seconds * 1e6) / 1e3,
  }
  if (failure !== undefined && failure.status >= 500) services.logger.warn(line, 'check')
  else services.logger.info(line, 'check')
}
