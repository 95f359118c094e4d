/**
 * Plain-text tables in the demo's style: a header, a rule of dashes, columns two spaces apart.
 *
 * @module
 */

import { visibleLength } from './style.js'

const pad = (cell: string, width: number): string =>
  cell + ' '.repeat(Math.max(0, width - visibleLength(cell)))

/**
 * A table with a header row and a dashed rule.
 *
 * @example
 * ```ts
 * formatTable(['check', 'result'], [['audience', '✓ pass']])
 * // check     result
 * // ----------------
 * // audience  ✓ pass
 * ```
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((title, i) =>
    Math.max(visibleLength(title), ...rows.map((row) => visibleLength(row[i] ?? ''))),
  )
  const format = (row: readonly string[]): string =>
    row
      .map((cell, i) => pad(cell, widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  const top = format(header)
  return [top, '-'.repeat(visibleLength(top)), ...rows.map(format)].join('\n')
}

/** A titled group of label → value lines. */
export interface Section {
  readonly title: string
  readonly rows: readonly (readonly [label: string, value: string])[]
}

/**
 * Label/value sections, the labels of all sections aligned.
 *
 * @example
 * ```ts
 * formatSections([{ title: 'who', rows: [['project', 'acme/widget (id 4242)']] }])
 * // who
 * //   project  acme/widget (id 4242)
 * ```
 */
export function formatSections(
  sections: readonly Section[],
  title: (text: string) => string = (t) => t,
): string {
  const shown = sections.filter((section) => section.rows.length > 0)
  const width = Math.max(0, ...shown.flatMap((s) => s.rows.map(([label]) => label.length)))
  return shown
    .map((section) =>
      [
        title(section.title),
        ...section.rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
      ].join('\n'),
    )
    .join('\n\n')
}
