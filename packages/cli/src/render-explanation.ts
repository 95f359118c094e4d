/**
 * An {@link Explanation} as tables: every check, then every rule with each failing claim.
 *
 * @module
 */

import type { ExplainCheck, Explanation } from '@gitlab-id-token/core'
import { exitCodeFor } from './exit-codes.js'
import type { Style } from './style.js'
import { formatTable } from './table.js'

const show = (value: unknown): string => (value === undefined ? '(absent)' : JSON.stringify(value))

function mark(check: ExplainCheck, s: Style): string {
  if (check.status === 'pass') return s.green('✓ pass')
  if (check.status === 'fail') return s.red('✗ fail')
  return s.dim('- skip')
}

/**
 * The one-line verdict: `allowed`, or the code, its HTTP status and the exit code.
 *
 * @example
 * ```ts
 * verdict(report, style) // '✗ refused: ERR_POLICY_DENIED (403, exit 2)'
 * ```
 */
export function verdict(report: Explanation, s: Style): string {
  if (report.code !== undefined) {
    const word =
      report.status === 403 ? 'denied' : report.status === 503 ? 'unavailable' : 'refused'
    return s.red(
      `✗ ${word}: ${report.code} (${report.status ?? '?'}, exit ${exitCodeFor(report.code)})`,
    )
  }
  if (!report.verified)
    return s.yellow('~ every check that ran passed, but the signature was NOT VERIFIED')
  const grants = report.grants.length === 0 ? '(no grants)' : report.grants.join(', ')
  return s.green(`✓ allowed: ${grants}`)
}

/**
 * The checks table.
 *
 * @example
 * ```ts
 * out.line(checksTable(report, style))
 * ```
 */
export function checksTable(report: Explanation, s: Style, only?: 'failed'): string {
  const checks =
    only === 'failed' ? report.checks.filter((c) => c.status === 'fail') : report.checks
  return formatTable(
    ['check', 'result', 'code', 'detail'],
    checks.map((check) => [
      check.name,
      mark(check, s),
      check.code ?? '',
      check.summary +
        (check.unverified && check.status !== 'skip' ? s.yellow(' (unverified)') : ''),
    ]),
  )
}

/**
 * The rules table: one line per failing claim (expected vs actual), one per matching rule.
 *
 * @example
 * ```ts
 * out.line(rulesTable(report, style))
 * ```
 */
export function rulesTable(report: Explanation, s: Style): string {
  const rows: string[][] = []
  for (const rule of report.rules) {
    const outcome =
      rule.kind === 'deny'
        ? rule.matched
          ? s.red('✗ matches: refused')
          : s.green('✓ no match')
        : rule.matched
          ? s.green('✓ matches')
          : s.red('✗ no match')
    const grants = rule.grants.join(', ')
    if (rule.error !== undefined) {
      rows.push([rule.name, rule.kind, s.red('! error'), '', '', rule.error])
      continue
    }
    if (rule.failures.length === 0 && (rule.notRun ?? []).length === 0) {
      rows.push([rule.name, rule.kind, outcome, '', '', grants])
      continue
    }
    rule.failures.forEach((failure, i) => {
      rows.push([
        i === 0 ? rule.name : '',
        i === 0 ? rule.kind : '',
        i === 0 ? outcome : '',
        failure.claim,
        failure.expected,
        show(failure.actual),
      ])
    })
    for (const claim of rule.notRun ?? []) {
      rows.push(['', '', '', claim, '(function)', 'not run: a pin of this rule failed'])
    }
  }
  return formatTable(['rule', 'kind', 'result', 'claim', 'expected', 'actual / grants'], rows)
}

/**
 * The whole explanation, as `explain` prints it.
 *
 * @example
 * ```ts
 * out.line(renderExplanation(report, style))
 * ```
 */
export function renderExplanation(report: Explanation, s: Style): string {
  const parts = [verdict(report, s), '', checksTable(report, s)]
  if (report.rules.length > 0) parts.push('', rulesTable(report, s))
  return parts.join('\n')
}
