/**
 * Small pure pieces of GitLab's claim derivation: stable IDs, `build_server_fqdn`, the deployment
 * tier guess, and the override rule shared by every builder.
 *
 * @module
 */

import { createHash } from 'node:crypto'

/**
 * Claims to set on a token. Anything here wins over the derived value, verbatim and with its JSON
 * type (so `ref_protected: true` produces a wrongly typed boolean, on purpose); `undefined` removes
 * the claim; `null` keeps it as JSON `null`. The inputs `project_path`, `ref`, `ref_type`,
 * `environment`, `user_login`, `job_project_path`, … also drive the claims derived from them.
 */
export type ClaimOverrides = Readonly<Record<string, unknown>>

/** A built claim set (JSON object). */
export type Claims = Record<string, unknown>

/**
 * A deterministic decimal ID for a name, so the same `project_path` always yields the same
 * `project_id` (GitLab paths are case-insensitive, so the name is lowercased first).
 *
 * @example
 * ```ts
 * stableId('project', 'acme/widget') === stableId('project', 'ACME/widget') // true, 8 digits
 * ```
 */
export function stableId(kind: string, name: string, digits = 8): string {
  const hash = createHash('sha256').update(`${kind}:${name.toLowerCase()}`).digest()
  const low = 10n ** BigInt(digits - 1)
  return (low + (hash.readBigUInt64BE(0) % (9n * low))).toString()
}

/**
 * `Settings.build_server_fqdn`: host, port unless default, relative URL root, no scheme (spec §8).
 *
 * @example
 * ```ts
 * serverFqdn('https://gitlab.example.com:8443/gitlab') // 'gitlab.example.com:8443/gitlab'
 * ```
 */
export function serverFqdn(issuer: string): string {
  if (!URL.canParse(issuer)) return issuer.replace(/\/+$/, '')
  const url = new URL(issuer)
  return `${url.host}${url.pathname.replace(/\/+$/, '')}`
}

/**
 * GitLab's `Environment#guess_tier`: the tier a job gets when it names no `deployment_tier`.
 *
 * @example
 * ```ts
 * guessDeploymentTier('review/feature-1') // 'development'
 * ```
 */
export function guessDeploymentTier(environment: string): string {
  if (/(dev|review|trunk)/i.test(environment)) return 'development'
  if (/(test|tst|int|ac(ce|)pt|qa|qc|control|quality)/i.test(environment)) return 'testing'
  if (/(st(a|)g|mod(e|)l|pre|demo|non)/i.test(environment)) return 'staging'
  if (/(pr(o|)d|live)/i.test(environment)) return 'production'
  return 'other'
}

/** An input as text (numbers too), or the fallback. @internal */
export const text = (value: unknown, fallback: string): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : fallback

/** The parent path: `a/b/c` → `a/b`. @internal */
export const dirname = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/')))

/**
 * Applies overrides on top of derived claims: present keys win (even `null`), `undefined` deletes.
 * Derived claims keep GitLab's order; unknown overrides are appended.
 *
 * @example
 * ```ts
 * applyOverrides({ a: 1, b: 2 }, { b: undefined, c: null }) // { a: 1, c: null }
 * ```
 */
export function applyOverrides(derived: Claims, overrides: ClaimOverrides): Claims {
  const merged: Claims = { ...derived }
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete merged[name]
    else merged[name] = value
  }
  return merged
}
