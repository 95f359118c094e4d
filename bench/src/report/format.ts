/** Cell formatting shared by the report's parts. */

import { fmtRange } from '../harness/stats.js'
import type { Summary } from '../harness/stats.js'

/**
 * Escapes a markdown table cell.
 *
 * @example
 * ```ts
 * `| ${esc(row.label)} |`
 * ```
 */
export const esc = (s: string): string => s.replace(/\|/g, '\\|')

/** One decimal, or `—` for a missing figure. */
export const fmt1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—')

/** `median (min–max)` for multi-round figures, the median alone for one round. */
export function withRange(s: Summary, fmt: (x: number) => string): string {
  return s.n <= 1 ? fmt(s.median) : `${fmt(s.median)} (${fmtRange(s, fmt)})`
}
