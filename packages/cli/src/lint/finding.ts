/**
 * One lint finding, and how findings print.
 *
 * @module
 */

import type { Style } from '../style.js'
import { formatTable } from '../table.js'

/**
 * A problem (`error`: the file will not load, or is unsafe as written) or a smell (`warning`).
 *
 * @example
 * ```ts
 * const finding: Finding = { severity: 'warning', check: 'path-pin', at: 'allow[0] ("deploy")', message: 'prefer project_id' }
 * ```
 */
export interface Finding {
  readonly severity: 'error' | 'warning'
  /** A stable name for the check, e.g. `tenant-pin`, `shadowed-rule`. */
  readonly check: string
  /** Where: `allow[0] ("deploy")`, `routes[2] ("deploy-prod")`, or the file. */
  readonly at: string
  readonly message: string
}

/**
 * The findings as a table, errors first.
 *
 * @example
 * ```ts
 * out.line(findingsTable(findings, style))
 * ```
 */
export function findingsTable(findings: readonly Finding[], s: Style): string {
  const sorted = [...findings].sort((a, b) =>
    a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1,
  )
  return formatTable(
    ['severity', 'check', 'where', 'message'],
    sorted.map((f) => [
      f.severity === 'error' ? s.red('error') : s.yellow('warning'),
      f.check,
      f.at,
      f.message,
    ]),
  )
}
