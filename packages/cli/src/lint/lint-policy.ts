/**
 * Linting a policy file: everything `compilePolicy` refuses, rule by rule, plus the smells it
 * accepts (path pins, `**` without the group, `ci_config_ref_uri` without `ref_protected`,
 * regex and function matchers, shadowed rules). Functions only reach it from code: a YAML or
 * JSON file cannot hold one.
 *
 * @module
 */

import { isDeepStrictEqual } from 'node:util'
import { CLAIM_NAMES, CLAIMS, compilePolicy, type Policy, type Rule } from '@gitlab-id-token/core'
import { isRecord } from '../read-document.js'
import type { Finding } from './finding.js'

const KNOWN = new Set<string>(CLAIM_NAMES)
const FILE_KEYS = new Set([
  '$schema',
  'allow',
  'deny',
  'allowAnyProject',
  'allowAnyProjectOnSharedInstance',
])

function labelOf(rule: unknown, at: string): string {
  return isRecord(rule) && typeof rule.name === 'string'
    ? `${at} (${JSON.stringify(rule.name)})`
    : at
}

// Edit distance, for "did you mean" on a misspelt claim.
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]!
}

function suggest(claim: string): string {
  const best = [...KNOWN]
    .map((name) => [name, distance(claim, name)] as const)
    .sort((x, y) => x[1] - y[1])[0]
  return best !== undefined && best[1] <= 3 ? `; did you mean ${best[0]}?` : ''
}

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error)

const matchers = (matcher: unknown): unknown[] =>
  Array.isArray(matcher) ? matcher.flatMap(matchers) : [matcher]

function ruleSmells(rule: Rule, at: string, kind: 'allow' | 'deny'): Finding[] {
  const findings: Finding[] = []
  const match = rule.match as Readonly<Record<string, unknown>>
  const warn = (check: string, message: string) =>
    findings.push({ severity: 'warning', check, at, message })
  for (const [claim, matcher] of Object.entries(match)) {
    const row = CLAIMS[claim as keyof typeof CLAIMS]
    const parts = matchers(matcher)
    if (parts.some((part) => part instanceof RegExp || (isRecord(part) && 'regex' in part))) {
      warn(
        'regex-matcher',
        `${claim} uses a regex: easy to get wrong (it must match the whole value); prefer a string or a glob`,
      )
    }
    if (parts.some((part) => typeof part === 'function')) {
      warn(
        'function-matcher',
        `${claim} uses a function: lint and explain cannot see what it accepts, and it runs on every token of the rule's tenant; prefer a string, a glob or a list`,
      )
    }
    // A group and its subgroups ([acme, { glob: acme/** }]) have no single ID to pin instead.
    const hierarchical = parts.some((part) => isRecord(part) && 'glob' in part)
    if (
      row?.pin === 'path' &&
      kind === 'allow' &&
      !hierarchical &&
      parts.some((part) => typeof part === 'string')
    ) {
      const id = claim.replace(/_path$/, '_id')
      if (KNOWN.has(id)) {
        warn(
          'path-pin',
          `${claim} pins a path: prefer ${id} (a renamed path can be registered again by someone else)`,
        )
      }
    }
    if (claim.endsWith('namespace_path')) {
      for (const part of parts) {
        const glob = isRecord(part) && typeof part.glob === 'string' ? part.glob : undefined
        if (glob === undefined || !glob.endsWith('/**')) continue
        const group = glob.slice(0, -3).toLowerCase()
        if (!parts.some((other) => typeof other === 'string' && other.toLowerCase() === group)) {
          warn(
            'glob-without-group',
            `${claim} ${JSON.stringify(glob)} does not match the group ${JSON.stringify(group)} itself: write [${group}, { glob: ${glob} }]`,
          )
        }
      }
    }
  }
  if (
    kind === 'allow' &&
    'ci_config_ref_uri' in match &&
    match.ref_protected !== true &&
    match.ref_protected !== 'true'
  ) {
    warn(
      'config-uri-without-ref-protected',
      'ci_config_ref_uri is pinned without ref_protected: true: a fork branch named like a protected branch of the parent yields a byte-identical ci_config_ref_uri',
    )
  }
  if (kind === 'deny' && rule.grants !== undefined)
    warn('deny-grants', 'grants on a deny rule are ignored')
  return findings
}

// A rule whose every entry appears, with an equal matcher, in another rule is at least as broad.
function subsumes(broad: Rule, narrow: Rule): boolean {
  const b = broad.match as Readonly<Record<string, unknown>>
  const n = narrow.match as Readonly<Record<string, unknown>>
  return Object.entries(b).every(
    ([claim, matcher]) => claim in n && isDeepStrictEqual(n[claim], matcher),
  )
}

function shadowing(
  allow: readonly { rule: Rule; at: string }[],
  deny: readonly { rule: Rule; at: string }[],
): Finding[] {
  const findings: Finding[] = []
  for (const [i, narrow] of allow.entries()) {
    for (const [j, broad] of allow.entries()) {
      if (i === j || !subsumes(broad.rule, narrow.rule)) continue
      // Two identical rules shadow each other; report the later one only.
      if (subsumes(narrow.rule, broad.rule) && j > i) continue
      const grants = broad.rule.grants ?? []
      if ((narrow.rule.grants ?? []).every((g) => grants.includes(g))) {
        findings.push({
          severity: 'warning',
          check: 'shadowed-rule',
          at: narrow.at,
          message: `shadowed by ${broad.at}: every token it matches, that rule matches too, with at least its grants`,
        })
        break
      }
    }
    for (const broad of deny) {
      if (subsumes(broad.rule, narrow.rule)) {
        findings.push({
          severity: 'warning',
          check: 'shadowed-rule',
          at: narrow.at,
          message: `can never allow: deny rule ${broad.at} matches every token this rule matches`,
        })
      }
    }
  }
  return findings
}

/**
 * Every finding for a policy document (as parsed from YAML or JSON).
 *
 * @example
 * ```ts
 * const findings = lintPolicy(parseYaml(text))
 * ```
 */
export function lintPolicy(document: unknown): Finding[] {
  const findings: Finding[] = []
  const error = (check: string, at: string, message: string) =>
    findings.push({ severity: 'error', check, at, message })
  if (!isRecord(document)) {
    error('schema', 'file', 'a policy is an object with allow (and deny)')
    return findings
  }
  for (const key of Object.keys(document)) {
    if (!FILE_KEYS.has(key))
      error('schema', 'file', `unknown key ${JSON.stringify(key)}; a policy has allow and deny`)
  }
  const { allowAnyProject, allowAnyProjectOnSharedInstance } = document
  if (allowAnyProject !== undefined && allowAnyProject !== false) {
    findings.push({
      severity: 'warning',
      check: 'allow-any-project',
      at: 'file',
      message:
        'allowAnyProject turns off the tenant pin: on a shared instance anyone can mint a token for your audience',
    })
  }
  const lists = { allow: document.allow, deny: document.deny ?? [] }
  if (!Array.isArray(lists.allow) || lists.allow.length === 0)
    error('schema', 'allow', 'allow must be a non-empty list of rules')
  if (!Array.isArray(lists.deny)) error('schema', 'deny', 'deny must be a list of rules')
  const valid: Record<'allow' | 'deny', { rule: Rule; at: string }[]> = { allow: [], deny: [] }
  for (const kind of ['allow', 'deny'] as const) {
    const rules: unknown[] = Array.isArray(lists[kind]) ? (lists[kind] as unknown[]) : []
    rules.forEach((rule, i) => {
      const at = labelOf(rule, `${kind}[${i}]`)
      // Each rule is compiled alone, as allow[0]; its messages must name its real place.
      const place = (cause: unknown) => messageOf(cause).replaceAll('allow[0]', `${kind}[${i}]`)
      const match = isRecord(rule) && isRecord(rule.match) ? rule.match : undefined
      const unknown = Object.keys(match ?? {}).filter((claim) => !KNOWN.has(claim))
      for (const claim of unknown)
        error('unknown-claim', at, `unknown claim ${JSON.stringify(claim)}${suggest(claim)}`)
      if (unknown.length > 0) return
      try {
        compilePolicy({ allow: [rule as Rule] }, { allowAnyProject: true })
      } catch (cause) {
        error('schema', at, place(cause))
        return
      }
      if (kind === 'allow' && allowAnyProject !== true) {
        try {
          compilePolicy({ allow: [rule as Rule] })
        } catch (cause) {
          error('tenant-pin', at, place(cause))
        }
      }
      valid[kind].push({ rule: rule as Rule, at })
      findings.push(...ruleSmells(rule as Rule, at, kind))
    })
  }
  findings.push(...shadowing(valid.allow, valid.deny))
  if (!findings.some((f) => f.severity === 'error')) {
    try {
      const { allow, deny } = document
      compilePolicy({ allow, ...(deny === undefined ? {} : { deny }) } as unknown as Policy, {
        ...(allowAnyProject === undefined ? {} : { allowAnyProject: allowAnyProject as boolean }),
        ...(typeof allowAnyProjectOnSharedInstance === 'boolean'
          ? { allowAnyProjectOnSharedInstance }
          : {}),
      })
    } catch (cause) {
      error('schema', 'file', messageOf(cause))
    }
  }
  return findings
}
