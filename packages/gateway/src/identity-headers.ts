/**
 * The identity headers sent to the proxy on allow: validated at startup to be always present and
 * non-empty, because an absent header is a hole in every Caddy version (the literal placeholder of
 * caddy#6610 up to 2.9, the client value surviving in GHSA-7r4p-vjf4-gxv4 from 2.10 until PR #7545;
 * research note finding 5).
 *
 * @module
 */

import { CLAIM_NAMES, GitlabIdTokenError, type VerifyResult } from '@gitlab-id-token/core'
import type { IdentityHeader, IdentitySource } from './config-types.js'

// Claims GitLab puts in every CI/CD ID token (research note §6.1 from core claims.ts); any other
// claim (environment, deployment_tier, runner_id…) depends on the job and needs a `default:`.
const ALWAYS_PRESENT = new Set([
  'iss',
  'sub',
  'aud',
  'jti',
  'project_id',
  'project_path',
  'namespace_id',
  'namespace_path',
  'ref',
  'ref_type',
  'pipeline_id',
  'pipeline_source',
  'job_id',
  'user_id',
])
// GitLab may send `ref_protected: ""` (core README), so it is present but can be empty.
const MAY_BE_EMPTY = new Set(['ref_protected'])

/**
 * The identity headers of the example, used when `identityHeaders` is not configured.
 *
 * @example
 * ```ts
 * DEFAULT_IDENTITY_HEADERS['X-Gitlab-Project-Id'] // 'project_id'
 * ```
 */
export const DEFAULT_IDENTITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Gitlab-Project-Id': 'project_id',
  'X-Gitlab-Project-Path': 'project_path',
  'X-Gitlab-Ref': 'ref',
  'X-Gitlab-Pipeline-Id': 'pipeline_id',
  'X-Gitlab-Job-Id': 'job_id',
  'X-Gitlab-Grants': '$grants',
  'X-Gitlab-Route': '$route',
})

/**
 * Compiles `identityHeaders:`; every claim must be one every CI token has, or carry a `default`.
 *
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` naming the header and what to change.
 * @example
 * ```ts
 * compileIdentityHeaders({ 'X-Gitlab-Env': { claim: 'environment', default: 'none' } }, 'gateway.yaml')
 * ```
 */
export function compileIdentityHeaders(
  raw: Readonly<Record<string, string | { claim: string; default?: string }>>,
  source: string,
): IdentityHeader[] {
  const seen = new Set<string>()
  return Object.entries(raw).map(([name, value]) => {
    const key = `${source}: identityHeaders.${name}`
    if (seen.has(name.toLowerCase()))
      throw new GitlabIdTokenError('ERR_INVALID_CONFIG', `${key} is listed twice`)
    seen.add(name.toLowerCase())
    if (
      /^(authorization|host|content-length|cache-control|www-authenticate|retry-after)$/i.test(name)
    ) {
      throw new GitlabIdTokenError(
        'ERR_INVALID_CONFIG',
        `${key}: that header is the gateway's own; pick an X-… name`,
      )
    }
    const spec = typeof value === 'string' ? { claim: value } : value
    let header: IdentitySource
    if (spec.claim === '$grants') header = { kind: 'grants' }
    else if (spec.claim === '$route') header = { kind: 'route' }
    else {
      if (!(CLAIM_NAMES as readonly string[]).includes(spec.claim)) {
        throw new GitlabIdTokenError(
          'ERR_INVALID_CONFIG',
          `${key}: "${spec.claim}" is not a GitLab ID-token claim; use a claim name, $grants or $route`,
        )
      }
      const safe = ALWAYS_PRESENT.has(spec.claim) && !MAY_BE_EMPTY.has(spec.claim)
      if (!safe && spec.default === undefined) {
        throw new GitlabIdTokenError(
          'ERR_INVALID_CONFIG',
          `${key}: claim ${spec.claim} can be absent or empty, and a missing identity header lets a client's copy through some proxies; write { claim: ${spec.claim}, default: <value> }`,
        )
      }
      header =
        spec.default === undefined
          ? { kind: 'claim', claim: spec.claim }
          : { kind: 'claim', claim: spec.claim, default: spec.default }
    }
    return { name, source: header }
  })
}

// Header values must be visible ASCII for every proxy; anything else is percent-encoded so a
// claim can never inject a header or be mangled differently by two proxies.
function headerSafe(value: string): string {
  return /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/.test(value) ? value : encodeURIComponent(value)
}

function claimText(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(' ')
  return undefined
}

/**
 * The identity header values for an allowed request, all non-empty.
 *
 * @throws {GitlabIdTokenError} `ERR_GATEWAY_MISCONFIGURED` when a claim unexpectedly has no value
 *   (never allow with a header missing).
 * @example
 * ```ts
 * identityValues(config.identityHeaders, result, 'deploy-production') // [['X-Gitlab-Project-Id', '42'], …]
 * ```
 */
export function identityValues(
  headers: readonly IdentityHeader[],
  result: Pick<VerifyResult, 'claims' | 'grants'>,
  route: string,
): [string, string][] {
  return headers.map(({ name, source }) => {
    let value: string | undefined
    if (source.kind === 'grants') value = result.grants.length === 0 ? '-' : result.grants.join(' ')
    else if (source.kind === 'route') value = route
    else {
      const text = claimText((result.claims as unknown as Record<string, unknown>)[source.claim])
      value = text === undefined || text === '' ? source.default : text
    }
    if (value === undefined || value === '') {
      throw new GitlabIdTokenError(
        'ERR_GATEWAY_MISCONFIGURED',
        `identity header ${name} would be empty`,
      )
    }
    return [name, headerSafe(value)]
  })
}
