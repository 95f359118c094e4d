/**
 * Prints the demo's rows as a plain-text table (no colours, so it reads the same in CI logs).
 */

import type { DemoRow } from './run-demo.js'

const COLUMNS: readonly [string, (row: DemoRow, index: number) => string][] = [
  ['#', (_row, index) => String(index + 1)],
  ['job', (row) => row.job],
  ['pipeline', (row) => row.pipeline],
  ['token variable', (row) => row.variable],
  ['audience', (row) => row.audience],
  ['service', (row) => row.service],
  ['status', (row) => String(row.status)],
  ['reason', reason],
  ['ok', (row) => (row.ok ? '✓' : `✗ promised ${row.expected.status} ${row.expected.code ?? ''}`)],
]

function reason(row: DemoRow): string {
  if (row.status < 400) return `accepted: ${row.grants.join(', ') || '(no grants)'}`
  const why = row.ok ? row.expected.why : 'not as promised'
  const retry = row.retryAfter === undefined ? '' : `, Retry-After ${row.retryAfter}`
  return `${why} (${row.code ?? 'no code'}${retry})`
}

export function formatTable(rows: readonly DemoRow[]): string {
  const cells = rows.map((row, index) => COLUMNS.map(([, cell]) => cell(row, index)))
  const widths = COLUMNS.map(([title], i) =>
    Math.max(title.length, ...cells.map((line) => (line[i] ?? '').length)),
  )
  const format = (line: readonly string[]): string =>
    line
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  const header = format(COLUMNS.map(([title]) => title))
  return [header, '-'.repeat(header.length), ...cells.map(format)].join('\n')
}

/** The refusals as the services logged them: the detail a job never sees. */
export function formatServerLog(rows: readonly DemoRow[]): string {
  return rows
    .map((row, i) =>
      row.serverLog === undefined ? '' : `  row ${i + 1} (${row.service}): ${row.serverLog}`,
    )
    .filter((line) => line !== '')
    .join('\n')
}
