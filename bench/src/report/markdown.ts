/**
 * Renders {@link BenchResults} as the markdown report (stdout, results/latest.md, the README):
 * the header, the targets table first (what the run is for), then one part per section.
 */

import { fmtInt } from '../harness/stats.js'
import { esc } from './format.js'
import { renderHttp } from './markdown-http.js'
import { renderColdStart, renderExtras, renderMemory, renderStartup } from './markdown-more.js'
import { renderVerify } from './markdown-verify.js'
import type { BenchResults, Target } from './results.js'

function renderTargets(targets: readonly Target[]): string[] {
  if (targets.length === 0) return []
  const met = (t: Target) => (t.met === null ? '—' : t.met ? 'yes' : '**no**')
  return [
    '### Targets (issue 11 first; informational, never asserted)',
    '',
    'Each "×" is the median over rounds of the ratio of two rows measured in the same round.',
    '',
    '| issue | target | goal | landed | met |',
    '|---:|---|---|---|---|',
    ...targets.map(
      (t) => `| #${t.issue} | ${esc(t.target)} | ${t.goal} | ${esc(t.landed)} | ${met(t)} |`,
    ),
    '',
  ]
}

/**
 * The whole report.
 *
 * @example
 * ```ts
 * writeFileSync('results/latest.md', `${renderMarkdown(results)}\n`)
 * ```
 */
export function renderMarkdown(r: BenchResults): string {
  const m = r.machine
  const lines: string[] = [
    `Machine: Node ${m.node} · ${m.cpu} · ${m.cores} cores · ${m.platform} · ${m.memoryGiB} GiB RAM · ` +
      `1-min load average ${m.loadAverage[0].toFixed(1)} at start, ${m.loadAverage[1].toFixed(1)} at end.`,
    `Run: ${r.startedAt}, ${r.quick ? 'BENCH_QUICK smoke (1 short round; numbers are not meaningful)' : 'default'}, ${Math.round(r.durationSeconds)} s. ` +
      `Token: RS256, RSA-2048, minted by \`@gitlab-id-token/testing\`, ${fmtInt(r.token.bytes)} bytes, ${r.token.claims} claims; ${fmtInt(r.token.pool)} distinct tokens cycled. ` +
      `\`crypto\` option: ${r.cryptoModes ? 'present' : 'absent in this core (rows that need it are n/a)'}.`,
    '',
    ...renderTargets(r.targets),
    ...renderVerify(r),
    ...renderHttp(r),
    ...renderStartup(r),
    ...renderColdStart(r),
    ...renderMemory(r),
    ...renderExtras(r),
  ]
  if (r.failures.length > 0) {
    lines.push('### Correctness failures', '', ...r.failures.map((f) => `- ${f}`), '')
  }
  return lines.join('\n')
}
