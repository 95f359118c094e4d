/**
 * Issuer scoping: which GitLab instance an allow rule speaks about, and where `allowAnyProject`
 * applies.
 *
 * Project and group IDs and paths are only unique within one instance: with two trusted issuers,
 * `project_id: '4242'` of instance A is also satisfied by project 4242 of instance B, and
 * `namespace_path: platform` by whoever registers `platform` on B. So with more than one trusted
 * issuer every allow rule names its instance with an exact `iss`, and `allowAnyProject` names the
 * instances whose every project may call. A shared instance (gitlab.com, where anyone can create a
 * project and mint a token with any audience) is never covered by `allowAnyProject` without the
 * loudly named `allowAnyProjectOnSharedInstance`.
 *
 * @module
 */

import { GitlabIdTokenError } from './errors.js'
import type { Rule } from './policy-types.js'

/**
 * Where `allowAnyProject` applies: `true` (the one trusted issuer), or the issuers it names.
 *
 * @example
 * ```ts
 * const scope: AllowAnyProject = { issuers: ['https://gitlab.internal.example'] }
 * ```
 */
export type AllowAnyProject = boolean | { readonly issuers: readonly string[] }

/** What {@link resolveIssuerScope} reads (a subset of `PolicyOptions`). */
export interface IssuerScopeOptions {
  readonly allowAnyProject?: AllowAnyProject
  readonly allowAnyProjectOnSharedInstance?: boolean
  readonly issuers?: readonly string[]
}

/**
 * Instances where anyone can register a project: `allowAnyProject` there means "anyone on the
 * internet". Compared by host, so `https://GitLab.com:443` counts too.
 *
 * @example
 * ```ts
 * SHARED_INSTANCES.includes('gitlab.com') // true
 * ```
 */
export const SHARED_INSTANCES: readonly string[] = Object.freeze(['gitlab.com'])

/**
 * Whether `issuer` is a shared instance (see {@link SHARED_INSTANCES}).
 *
 * @example
 * ```ts
 * isSharedInstance('https://gitlab.com')         // true
 * isSharedInstance('https://gitlab.example.com') // false
 * ```
 */
export function isSharedInstance(issuer: string): boolean {
  let host: string
  try {
    host = new URL(issuer).hostname.toLowerCase()
  } catch {
    return false
  }
  return SHARED_INSTANCES.includes(host.endsWith('.') ? host.slice(0, -1) : host)
}

/**
 * The validated issuer scope of a policy.
 *
 * @example
 * ```ts
 * const scope = resolveIssuerScope({ issuers: ['https://a.example', 'https://b.example'] })
 * scope.issuerOf(rule, 'allow[0]') // throws unless rule.match.iss is one of them
 * ```
 */
export interface IssuerScope {
  /**
   * Checks the rule's `iss` and returns the issuer it pins (an exact string), if any. With more
   * than one trusted issuer an allow rule must pin one of them; with known issuers an `iss` that
   * is none of them is refused (it would never match).
   */
  issuerOf(rule: Rule, label: string): string | undefined
  /** Whether an allow rule pinned to `issuer` (or to none) may skip the tenant pin. */
  anyProject(issuer: string | undefined): boolean
  /**
   * The `allowAnyProject` setting that would let an unpinned rule for `issuer` through in this
   * configuration, so a startup error never suggests a value that fails with another error.
   */
  anyProjectAdvice(issuer: string | undefined): string
}

function invalid(message: string): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_INVALID_CONFIG', message)
}

function readIssuers(value: unknown, name: string): readonly string[] | undefined {
  if (value === undefined) return undefined
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((item) => typeof item === 'string' && item !== '')
  ) {
    throw invalid(`${name} must be a non-empty array of issuer URLs`)
  }
  return value as readonly string[]
}

function sharedRefusal(issuer: string): GitlabIdTokenError {
  return invalid(
    `allowAnyProject covers ${issuer}, a shared GitLab instance: anyone can create a project ` +
      `there and mint an ID token with your audience, so every allow rule for it must pin a ` +
      `project or group. Pin the rules (and drop allowAnyProject), or, if every project on ` +
      `${issuer} really may call this service, also set allowAnyProjectOnSharedInstance: true.`,
  )
}

/**
 * Validates `allowAnyProject`, `allowAnyProjectOnSharedInstance` and `issuers`, and returns the
 * per-rule checks. Without `issuers` (e.g. `evaluatePolicy` on its own) rules need no `iss` and
 * `allowAnyProject: true` applies to every rule, as before issuer scoping.
 *
 * @param options - the policy options.
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` saying what to change.
 *
 * @example
 * ```ts
 * resolveIssuerScope({ allowAnyProject: true, issuers: ['https://gitlab.com'] })
 * // throws: a shared instance needs allowAnyProjectOnSharedInstance: true
 * ```
 */
export function resolveIssuerScope(options: IssuerScopeOptions): IssuerScope {
  const { allowAnyProject = false, allowAnyProjectOnSharedInstance = false } = options
  const trusted = readIssuers(options.issuers, 'issuers')
  if (typeof allowAnyProjectOnSharedInstance !== 'boolean') {
    throw invalid('allowAnyProjectOnSharedInstance must be true or false')
  }
  let all = false
  let named: ReadonlySet<string> = new Set()
  if (typeof allowAnyProject === 'boolean') {
    all = allowAnyProject
    if (all && trusted !== undefined && trusted.length > 1) {
      throw invalid(
        `allowAnyProject: true with ${trusted.length} trusted issuers (${trusted.join(', ')}): ` +
          `name the instances whose every project may call, e.g. allowAnyProject: { issuers: ` +
          `[${JSON.stringify(trusted.find((i) => !isSharedInstance(i)) ?? trusted[0])}] }`,
      )
    }
    for (const issuer of all ? (trusted ?? []) : []) {
      if (isSharedInstance(issuer) && !allowAnyProjectOnSharedInstance) throw sharedRefusal(issuer)
    }
  } else if (typeof allowAnyProject === 'object' && allowAnyProject !== null) {
    const keys = Object.keys(allowAnyProject)
    if (keys.length !== 1 || keys[0] !== 'issuers') {
      throw invalid('allowAnyProject must be true, false or { issuers: [...] }')
    }
    const list = readIssuers(allowAnyProject.issuers, 'allowAnyProject.issuers')!
    for (const issuer of list) {
      if (trusted !== undefined && !trusted.includes(issuer)) {
        throw invalid(
          `allowAnyProject.issuers names ${issuer}, which is not a trusted issuer ` +
            `(trusted: ${trusted.join(', ')}); issuers compare exactly, trailing slash included`,
        )
      }
      if (isSharedInstance(issuer) && !allowAnyProjectOnSharedInstance) throw sharedRefusal(issuer)
    }
    named = new Set(list)
  } else {
    throw invalid('allowAnyProject must be true, false or { issuers: [...] }')
  }
  const only = trusted?.length === 1 ? trusted[0] : undefined

  function issuerOf(rule: Rule, label: string): string | undefined {
    const iss: unknown = rule.match.iss
    const pinned = typeof iss === 'string' ? iss : undefined
    if (pinned !== undefined && trusted !== undefined && !trusted.includes(pinned)) {
      throw invalid(
        `policy ${label} pins iss ${JSON.stringify(pinned)}, which is not a trusted issuer ` +
          `(trusted: ${trusted.join(', ')}), so the rule would never match; issuers compare ` +
          `exactly, trailing slash included`,
      )
    }
    if (pinned === undefined && trusted !== undefined && trusted.length > 1) {
      throw invalid(
        `policy ${label} does not pin iss, but ${trusted.length} issuers are trusted ` +
          `(${trusted.join(', ')}). Project and group IDs and paths are only unique within one ` +
          `GitLab instance, so this rule would also accept the same ID or path on another ` +
          `instance. Add an exact iss to the rule (e.g. iss: ${JSON.stringify(trusted[0])}), ` +
          `one rule per instance; a list, glob, regex or function does not count.`,
      )
    }
    return pinned ?? only
  }

  function anyProject(issuer: string | undefined): boolean {
    if (all) return true
    return issuer !== undefined && named.has(issuer)
  }

  function anyProjectAdvice(issuer: string | undefined): string {
    const target = issuer ?? only
    // `true` is refused with several issuers: name the rule's instance instead.
    const setting =
      trusted !== undefined && trusted.length > 1 && target !== undefined
        ? `allowAnyProject: { issuers: [${JSON.stringify(target)}] }`
        : 'allowAnyProject: true'
    if (target !== undefined && isSharedInstance(target)) {
      return (
        `${target} is a shared instance where anyone can create a project, so an unpinned rule ` +
        `there means anyone on the internet; only if that is really intended, set ${setting} ` +
        `together with allowAnyProjectOnSharedInstance: true.`
      )
    }
    return `If every project on ${target ?? 'the instance'} really may use this service, set ${setting}.`
  }

  return Object.freeze({ issuerOf, anyProject, anyProjectAdvice })
}
