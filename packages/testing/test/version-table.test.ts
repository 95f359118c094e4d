import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

import { renderVersionTable, VERSION_TABLE_MARKERS } from '../src/version-table.js'

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

// Prettier may pad a markdown table's cells: compare with runs of spaces collapsed.
const normalise = (markdown: string): string =>
  markdown
    .trim()
    .split('\n')
    .map((line) =>
      line.replace(/ {2,}/g, ' ').replace(/\| -+/g, '| ---').replace(/-+ \|/g, '--- |'),
    )
    .join('\n')

describe('the README version table', () => {
  it('is the one rendered from the claim table', () => {
    const start = README.indexOf(VERSION_TABLE_MARKERS.start)
    const end = README.indexOf(VERSION_TABLE_MARKERS.end)
    expect(start, 'README lacks the version-table markers').toBeGreaterThan(-1)
    expect(end).toBeGreaterThan(start)
    const embedded = README.slice(start + VERSION_TABLE_MARKERS.start.length, end)
    // On failure, paste renderVersionTable() between the markers.
    expect(normalise(embedded)).toBe(normalise(renderVersionTable()))
  })

  it('has a row per claim and a column per version', () => {
    const lines = renderVersionTable().split('\n')
    expect(lines[0]).toMatch(/^\| claim \| 15\.7 \| 16\.0 \|/)
    expect(lines.find((line) => line.startsWith('| `job_project_id` |'))).toMatch(
      /\| – \| ✓ \| ✓ \| ✓ \|$/,
    )
    expect(lines.find((line) => line.startsWith('| `ci_config_ref_uri` |'))).toMatch(/\| ✓ˢ \|$/)
  })
})
