/**
 * The tenant-pin rule: every allow rule must name a project, group, config URI or `sub` prefix.
 *
 * On a shared instance such as gitlab.com anyone can write `id_tokens: { aud: <your audience> }`
 * in their own pipeline, so `aud` is not an authorisation boundary: a rule that matches only on
 * `ref_protected` or `environment` would accept every project on the instance.
 *
 * @module
 */

import { CI_SUB_FIRST_COMPONENTS } from './claim-checks.js'
import { CLAIMS, CLAIM_NAMES, ID_CLAIMS } from './claims.js'
import type { ClaimName, PinKind } from './claims.js'
import { GitlabIdTokenError } from './errors.js'
import { globLiteralPrefix } from './glob.js'
import type { Matcher, Rule } from './policy-types.js'

// What a glob's literal prefix must contain to stay inside one top-level namespace. Without it,
// `plat*` also matches `platypus/…`, a group anyone can register.
const PREFIX_BY_KIND: Readonly<Partial<Record<PinKind, RegExp>>> = {
  path: /^[^/]+\//,
  // `<server_fqdn>/<full_path>//<config>@<ref_path>` (GitLab ClaimMapper::Repository).
  'config-uri': /^[^/]+\/[^/]+\//,
  // The first `sub` component names the project (`ci_id_token_sub_claim_components`; MR !258245
  // allows the job or source project, by path or ID, first). A path segment has no `:`, and an ID
  // pins only once its `:` terminator is literal (`job_project_id:42:`, not `job_project_id:4*`).
  sub: subPinPrefix(),
}

// Derived from the components checkCiToken accepts, so a component added there is pinnable here.
function subPinPrefix(): RegExp {
  const paths = CI_SUB_FIRST_COMPONENTS.filter((c) => c.endsWith('_path'))
  const ids = CI_SUB_FIRST_COMPONENTS.filter((c) => c.endsWith('_id'))
  return new RegExp(`^(?:(?:${paths.join('|')}):[^/:]+\\/|(?:${ids.join('|')}):\\d+:)`)
}

/** Tenant pins by kind, in the order the error message suggests them. */
const PIN_ORDER: readonly PinKind[] = ['id', 'path', 'config-uri', 'sub']

const PRIORITY: ReadonlyMap<ClaimName, number> = new Map(
  CLAIM_NAMES.flatMap((name) => {
    const rank = PIN_ORDER.indexOf(CLAIMS[name].pin ?? 'issuer')
    return rank === -1 ? [] : [[name, rank] as const]
  }),
)

/**
 * The claims that can pin a tenant (every claim whose {@link CLAIMS} row has an `id`, `path`,
 * `config-uri` or `sub` pin), IDs first, in the order the error message suggests them.
 *
 * @example
 * ```ts
 * TENANT_PIN_CLAIMS.includes('project_id') // true
 * ```
 */
export const TENANT_PIN_CLAIMS: readonly ClaimName[] = Object.freeze(
  [...PRIORITY.keys()].sort((a, b) => (PRIORITY.get(a) ?? 0) - (PRIORITY.get(b) ?? 0)),
)

const NAMESPACE_PREFIX: Readonly<Partial<Record<ClaimName, RegExp>>> = Object.fromEntries(
  TENANT_PIN_CLAIMS.flatMap((name) => {
    const prefix = PREFIX_BY_KIND[CLAIMS[name].pin ?? 'issuer']
    return prefix === undefined ? [] : [[name, prefix]]
  }),
)

/**
 * Whether `matcher` on `claim` pins a tenant:
 *
 * - a non-empty exact string (a number too, for the `*_id` claims);
 * - a glob without wildcards, or one whose text before the first wildcard contains a whole
 *   top-level namespace: `platform/**` pins; `plat*`, `**` and a leading wildcard do not; for
 *   `ci_config_ref_uri` the host and the first segment (`gitlab.com/acme/**`); for `sub` a
 *   project-naming first component plus the first segment (`project_path:acme/*`,
 *   `job_project_path:acme/*`) or a whole ID (`job_project_id:42:*`);
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
  if (!PRIORITY.has(claim)) return false
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
 * @param advice - the sentence that says how to opt out in this configuration (the issuer scope's
 *   `anyProjectAdvice`). Default: set `allowAnyProject: true`, right for one private instance.
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` explaining the risk and the fix.
 *
 * @example
 * ```ts
 * assertTenantPinned({ match: { ref_protected: true } }, 'allow[0]') // throws ERR_INVALID_CONFIG
 * assertTenantPinned({ match: { project_id: '42' } }, 'allow[0]')    // ok
 * ```
 */
export function assertTenantPinned(
  rule: Rule,
  label: string,
  advice = 'If every project on the instance really may use this service, set allowAnyProject: true.',
): void {
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
      `matchers do not count. ${advice}`,
  )
}
