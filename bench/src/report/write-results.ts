/**
 * Where a run's report goes: a default run keeps `results/<timestamp>.json`, `results/latest.json`
 * and `results/latest.md` and replaces the README's results section; quick and narrowed runs
 * write only git-ignored `results/tmp-*` files, so neither overwrites kept results.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BENCH_DIR } from '../harness/children.js'
import type { BenchResults } from './results.js'

/** Replaces the README's results section (between the two markers) with the latest report. */
function embedInReadme(markdown: string): void {
  const file = join(BENCH_DIR, 'README.md')
  if (!existsSync(file)) return
  const text = readFileSync(file, 'utf8')
  const begin = '<!-- latest-results:begin -->'
  const end = '<!-- latest-results:end -->'
  const a = text.indexOf(begin)
  const b = text.indexOf(end)
  if (a < 0 || b < a) return
  writeFileSync(file, `${text.slice(0, a + begin.length)}\n\n${markdown}\n${text.slice(b)}`)
}

/**
 * Writes the JSON and markdown of a run.
 *
 * @example
 * ```ts
 * writeResults(results, renderMarkdown(results), { quick: false, partial: false })
 * ```
 */
export function writeResults(
  results: BenchResults,
  markdown: string,
  run: { readonly quick: boolean; readonly partial: boolean },
): void {
  const dir = join(BENCH_DIR, 'results')
  mkdirSync(dir, { recursive: true })
  const json = `${JSON.stringify(results, null, 2)}\n`
  if (run.quick || run.partial) {
    const name = run.quick ? 'tmp-quick' : 'tmp-partial'
    writeFileSync(join(dir, `${name}.json`), json)
    writeFileSync(join(dir, `${name}.md`), `${markdown}\n`)
    return
  }
  writeFileSync(join(dir, `${results.startedAt.replace(/[:.]/g, '-')}.json`), json)
  writeFileSync(join(dir, 'latest.json'), json)
  writeFileSync(join(dir, 'latest.md'), `${markdown}\n`)
  embedInReadme(markdown)
}
