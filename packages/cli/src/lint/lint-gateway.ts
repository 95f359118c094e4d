/**
 * Linting a gateway config: everything `loadGatewayConfig` refuses (it refuses shadowed routes
 * itself), identity headers that can be empty, each route's policy as a policy, and replay
 * without a shared store.
 *
 * @module
 */

import { resolve } from 'node:path'
import { isGitlabIdTokenError } from '@gitlab-id-token/core'
import { loadGatewayConfig, type GatewayConfig, type GatewayRoute } from '@gitlab-id-token/gateway'
import { isRecord } from '../read-document.js'
import type { Finding } from './finding.js'
import { lintPolicy } from './lint-policy.js'

// Claims a CI token may lack or send as "": an identity header fed from one needs a default.
const MAY_BE_EMPTY = new Set([
  'environment',
  'environment_protected',
  'deployment_tier',
  'environment_action',
  'ref_protected',
  'user_login',
  'user_email',
  'user_access_level',
  'runner_id',
  'runner_environment',
  'job_project_id',
  'job_project_path',
  'job_namespace_id',
  'job_namespace_path',
  'ref_path',
  'ci_config_ref_uri',
  'ci_config_sha',
  'sha',
  'groups_direct',
])

const routeLabel = (route: GatewayRoute): string =>
  `routes[${route.index}] (${JSON.stringify(route.name)})`

function emptyHeaders(document: Record<string, unknown>): Finding[] {
  const headers = isRecord(document.identityHeaders) ? document.identityHeaders : {}
  const findings: Finding[] = []
  for (const [name, value] of Object.entries(headers)) {
    const claim = typeof value === 'string' ? value : isRecord(value) ? value.claim : undefined
    const fallback = isRecord(value) ? value.default : undefined
    if (typeof claim !== 'string' || claim.startsWith('$')) continue
    if ((MAY_BE_EMPTY.has(claim) && fallback === undefined) || fallback === '') {
      findings.push({
        severity: 'error',
        check: 'identity-header-empty',
        at: `identityHeaders.${name}`,
        message: `${claim} can be absent or "", and a missing identity header lets a client's own copy through some proxies (Caddy, GHSA-7r4p-vjf4-gxv4): give a non-empty default`,
      })
    }
  }
  return findings
}

function replayWithoutStore(document: Record<string, unknown>, config: GatewayConfig): Finding[] {
  const route = config.routes.find((r) => r.replay)
  if (route === undefined || document.replay !== undefined) return []
  return [
    {
      severity: 'warning',
      check: 'replay-without-store',
      at: routeLabel(route),
      message:
        'replay: once without a replay: store: the default memory store forgets on restart and is per process; set replay: { store: redis, url: … } for more than one instance',
    },
  ]
}

/**
 * Every finding for the gateway config at `file` (already parsed as `document`).
 *
 * @example
 * ```ts
 * const findings = await lintGateway(document, 'gateway.yaml', process.cwd())
 * ```
 */
export async function lintGateway(
  document: unknown,
  file: string,
  cwd: string,
): Promise<Finding[]> {
  if (!isRecord(document))
    return [
      { severity: 'error', check: 'schema', at: 'file', message: 'a gateway config is an object' },
    ]
  const findings = emptyHeaders(document)
  let config: GatewayConfig
  try {
    config = await loadGatewayConfig(resolve(cwd, file))
  } catch (error) {
    if (!isGitlabIdTokenError(error)) throw error
    // The loader stops at its first problem; the header check above already said that one better.
    if (findings.length > 0 && /identityHeaders/.test(error.message)) return findings
    const check = /shadowed/.test(error.message)
      ? 'shadowed-route'
      : /identityHeaders/.test(error.message)
        ? 'identity-header-empty'
        : 'schema'
    findings.push({
      severity: 'error',
      check,
      at: 'file',
      message: error.message.replace(`${resolve(cwd, file)}: `, ''),
    })
    return findings
  }
  for (const route of config.routes) {
    const policy = { ...route.policy, ...(config.allowAnyProject ? { allowAnyProject: true } : {}) }
    for (const finding of lintPolicy(policy)) {
      findings.push({ ...finding, at: `${routeLabel(route)} ${finding.at}` })
    }
  }
  findings.push(...replayWithoutStore(document, config))
  return findings
}
