/**
 * The tenant-pin rule: every allow rule must name a project, group, config URI or `sub` prefix.
 *
 * On a shared instance such as gitlab.com anyone can write `id_tokens: { aud: <your audience> }`
 * in their own pipeline, so `aud` is not an authorisation boundary: a rule that matches only on
 * `ref_protected` or `environment` would accept every project on the instance.
 *
 * @module
 */

import type { ClaimName } from './claims.js'
import { GitlabIdTokenError } from './errors.js'
import { globLiteralPrefix } from './glob.js'
import type { Matcher, Rule } from './policy-types.js'

const ID_CLAIMS: ReadonlySet<ClaimName> = new Set<ClaimName>([
  'project_id',
  'namespace_id',
  'job_project_id',
  'job_namespace_id',
])

// What a glob's literal prefix must contain to stay inside one top-level namespace. Without it,
// `plat*` also matches `platypus/…`, a group anyone can register.
const NAMESPACE_PREFIX: Partial<Record<ClaimName, RegExp>> = {
  project_path: /^[^/]+\//,
  namespace_path: /^[^/]+\//,
  job_project_path: /^[^/]+\//,
  job_namespace_path: /^[^/]+\//,
  // `<server_fqdn>/<full_path>//<config>@<ref_path>` (GitLab ClaimMapper::Repository).
  ci_config_ref_uri: /^[^/]+\/[^/]+\//,
  // Default `sub` is `project_path:<full_path>:ref_type:…`; a path segment has no `:`.
  sub: /^project_path:[^/:]+\//,
}

/**
 * The claims that can pin a tenant, in the order the error message suggests them.
 *
 * @example
 * ```ts
 * TENANT_PIN_CLAIMS.includes('project_id') // true
 * ```
 */
export const TENANT_PIN_CLAIMS: readonly ClaimName[] = Object.freeze([
  'project_id',
  'namespace_id',
  'job_project_id',
  'job_namespace_id',
  'project_path',
  'namespace_path',
  'job_project_path',
  'job_namespace_path',
  'ci_config_ref_uri',
  'sub',
] satisfies ClaimName[])

const PIN_CLAIMS: ReadonlySet<ClaimName> = new Set(TENANT_PIN_CLAIMS)

/**
 * Whether `matcher` on `claim` pins a tenant:
 *
 * - a non-empty exact string (a number too, for the `*_id` claims);
 * - a glob without wildcards, or one whose text before the first wildcard contains a whole
 *   top-level namespace: `platform/**` pins; `plat*`, `**` and a leading wildcard do not; for
 *   `ci_config_ref_uri` the host and the first segment (`gitlab.com/acme/**`); for `sub`
 *   `project_path:` plus the first segment (`project_path:acme/*`);
 * - a non-empty list whose every element pins.
 *
 * Regexes, functions and booleans never pin, nor does any matcher on another claim.
 *
 * @example
 * ```ts
 * isTenantPin('namespace_path', { glob: 'platform/**' }) // true
 * isTenantPin('namespace_path', { glob: 'plat*' })       // false
 * isTenantPin('project_id', [42, '43'])                  // true
 * isTenantPin('ref', 'main')                             // false: not a tenant claim
 * ```
 */
export function isTenantPin(claim: ClaimName, matcher: Matcher): boolean {
  if (!PIN_CLAIMS.has(claim)) return false
  if (Array.isArray(matcher)) {
    const list = matcher as readonly Matcher[]
    return list.length > 0 && list.every((item) => isTenantPin(claim, item))
  }
  if (typeof matcher === 'string') return matcher !== ''
  if (typeof matcher === 'number') return ID_CLAIMS.has(claim)
  if (typeof matcher === 'object' && 'glob' in matcher && typeof matcher.glob === 'string') {
    const prefix = globLiteralPrefix(matcher.glob)
    if (prefix === matcher.glob) return prefix !== ''
    return NAMESPACE_PREFIX[claim]?.test(prefix) ?? false
  }
  return false
}

/**
 * Throws unless some entry of the rule's `match` pins a tenant (see {@link isTenantPin}). Deny
 * rules need no pin; the caller skips this check when `allowAnyProject` is set.
 *
 * @param rule - a validated allow rule.
 * @param label - how to name the rule in the message, e.g. `allow[0] ("deploy")`.
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` explaining the risk and the fix.
 *
 * @example
 * ```ts
 * assertTenantPinned({ match: { ref_protected: true } }, 'allow[0]') // throws ERR_INVALID_CONFIG
 * assertTenantPinned({ match: { project_id: '42' } }, 'allow[0]')    // ok
 * ```
 */
export function assertTenantPinned(rule: Rule, label: string): void {
  for (const [claim, matcher] of Object.entries(rule.match)) {
    if (matcher !== undefined && isTenantPin(claim as ClaimName, matcher)) return
  }
  throw new GitlabIdTokenError(
    'ERR_INVALID_CONFIG',
    `policy ${label} does not pin a project or group. Anyone on the GitLab instance can mint an ID ` +
      `token with your audience from their own pipeline, so this rule would accept jobs from any ` +
      `project. Add an exact project_id or namespace_id (e.g. project_id: '42'), or one of ` +
      `${TENANT_PIN_CLAIMS.slice(2).join(', ')} with an exact value or a glob that starts with a ` +
      `whole top-level group (namespace_path: { glob: 'my-group/**' }). Regex and function ` +
      `matchers do not count. If every project on the instance really may use this service, set ` +
      `allowAnyProject: true.`,
  )
}
