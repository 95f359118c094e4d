/** The verify section of the report: the baseline table, the `crypto` matrix, the glob rows. */

import { fmtInt, fmtRange, fmtRatio } from '../harness/stats.js'
import { CRYPTO_MODES, IN_FLIGHT } from '../verify/ours-cases.js'
import { esc } from './format.js'
import type { BenchResults, VerifyRow } from './results.js'

const how = (c: VerifyRow): string =>
  c.drive === 'sync'
    ? 'sync loop'
    : c.inFlight === 1
      ? 'awaited one at a time'
      : `${c.inFlight} in flight`

function cell(c: VerifyRow | undefined): string {
  if (!c) return ''
  if (c.unavailable) return 'n/a'
  return `${fmtInt(c.opsPerSecond.median)} (${fmtRatio(c.xFloor.median)}×)`
}

/**
 * Markdown lines of the verify section (empty when it did not run).
 *
 * @example
 * ```ts
 * lines.push(...renderVerify(results))
 * ```
 */
export function renderVerify(r: BenchResults): string[] {
  if (!r.verify) return []
  const rows = r.verify.rows
  const byId = (id: string) => rows.find((c) => c.id === id)
  const baseline = rows.filter((c) => c.group === 'baseline' || c.id === 'ours-sync-1')
  const lines = [
    '### In-process verifications/s',
    '',
    'One child process (`--expose-gc`, a GC before each timed run). Median over interleaved rounds (min–max). ' +
      '× floor = median of the per-round ratios to the sync floor row of the same round.',
    '',
    '| case | how | tokens | verifications/s | min–max | × floor | µs/verify |',
    '|---|---|---|---:|---:|---:|---:|',
    ...baseline.map((c) =>
      c.unavailable
        ? `| ${esc(c.label)} | ${how(c)} | ${c.tokens} | n/a | | | |`
        : `| ${esc(c.label)} | ${how(c)} | ${c.tokens} | ${fmtInt(c.opsPerSecond.median)} | ${fmtRange(c.opsPerSecond, fmtInt)} | ${fmtRatio(c.xFloor.median)} | ${(1e6 / c.opsPerSecond.median).toFixed(1)} |`,
    ),
    '',
    '#### `crypto` modes side by side',
    '',
    'Distinct tokens, `cache: false`, verifications/s (× the sync floor of the same round) by verifications in flight. ' +
      "The last row is the floor's own `crypto.verify` in callback form (libuv's pool): the physical edge of the threadpool.",
    '',
    `| mode | ${IN_FLIGHT.map((n) => `${n} in flight`).join(' | ')} |`,
    `|---|${IN_FLIGHT.map(() => '---:').join('|')}|`,
    ...CRYPTO_MODES.map(
      (mode) =>
        `| \`${mode}\` | ${IN_FLIGHT.map((n) => cell(byId(`ours-${mode}-${n}`))).join(' | ')} |`,
    ),
    `| raw \`crypto.verify\` callback | ${IN_FLIGHT.map((n) => cell(byId(`floor-threadpool-${n}`))).join(' | ')} |`,
    '',
  ]
  if (r.verify.glob.length > 0) {
    const us = (ns: number) => (ns / 1000).toFixed(1)
    lines.push(
      '#### Worst-case glob (issue 8)',
      '',
      '`compilePolicy(...).decide()` alone; a rule pins `project_id` and globs `environment` with `review/*-*-*-*-*` against `review/` + 250 dashes + `/`.',
      '',
      '| case | calls | median µs | p99 µs | max µs | refused |',
      '|---|---:|---:|---:|---:|---|',
      ...r.verify.glob.map(
        (g) =>
          `| ${esc(g.label)} | ${fmtInt(g.iterations)} | ${us(g.medianNs)} | ${us(g.p99Ns)} | ${us(g.maxNs)} | ${g.refused ? 'yes' : '**NO**'} |`,
      ),
      '',
    )
  }
  return lines
}
