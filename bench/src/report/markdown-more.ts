/** The start-up, cold-start, memory and extra (gateway, Redis) parts of the report. */

import { fmtInt } from '../harness/stats.js'
import { esc, fmt1, withRange } from './format.js'
import type { BenchResults } from './results.js'

/**
 * Import times and the first `verify()` with and without `ready()`.
 *
 * @example
 * ```ts
 * lines.push(...renderStartup(results))
 * ```
 */
export function renderStartup(r: BenchResults): string[] {
  if (!r.startup) return []
  const s = r.startup
  return [
    '### Start-up',
    '',
    'Import time: a fresh `node` process per sample, `performance.now()` around `await import(specifier)` (built `dist/`, as users get it). Median (min–max) over samples.',
    '',
    '| module | import ms |',
    '|---|---:|',
    ...s.imports.map(
      (i) =>
        `| \`${i.specifier}\`${i.reference ? ' (reference)' : ''} | ${withRange(i.ms, fmt1)} |`,
    ),
    '',
    'First `verify()` of a fresh process (result cache off), against a warm one (the later calls); medians over fresh processes:',
    '',
    '| verifier | `ready()` ms | first `verify()` ms | warm `verify()` ms |',
    '|---|---:|---:|---:|',
    ...s.firstVerify.map((f) =>
      f.ready && !f.hasReady
        ? '| after `await verifier.ready()` | n/a | | |'
        : `| ${f.ready ? 'after `await verifier.ready()`' : 'without `ready()`'} | ${f.ready ? f.readyMs.toFixed(1) : '—'} | ${f.firstMs.toFixed(2)} | ${f.warmMs.toFixed(3)} |`,
    ),
    '',
  ]
}

/**
 * The concurrent-first-requests table.
 *
 * @example
 * ```ts
 * lines.push(...renderColdStart(results))
 * ```
 */
export function renderColdStart(r: BenchResults): string[] {
  if (!r.coldStart) return []
  return [
    '### Cold start',
    '',
    `Fresh process, empty caches; the mock GitLab answers discovery and keys after ${r.coldStart.delayMs} ms (like a remote GitLab). Time from the first request until all are answered.`,
    '',
    '| scenario | concurrent first requests | all answered after | accepted | discovery fetches | key-set fetches |',
    '|---|---:|---:|---:|---:|---:|',
    ...r.coldStart.rows.map(
      (c) =>
        `| ${esc(c.label)} | ${fmtInt(c.requests)} | ${fmtInt(c.ms)} ms | ${fmtInt(c.accepted)} | ${c.discoveryFetches} | ${c.jwksFetches} |`,
    ),
    '',
  ]
}

/**
 * Heap per cached entry, and the result cache's GC cost.
 *
 * @example
 * ```ts
 * lines.push(...renderMemory(results))
 * ```
 */
export function renderMemory(r: BenchResults): string[] {
  const lines: string[] = []
  if (r.memory || r.cacheGc) lines.push('### Memory', '')
  if (r.memory) {
    lines.push(
      `V8 heap growth between full GCs (\`--expose-gc\`), per entry. Native memory of OpenSSL keys is not in the V8 heap. A token is ${fmtInt(r.memory.tokenBytes)} bytes.`,
      '',
      '| what | entries measured | heap per entry |',
      '|---|---:|---:|',
      ...r.memory.rows.map(
        (x) =>
          `| ${esc(x.label)} | ${fmtInt(x.entries)} | ${(x.bytesPerEntry / 1024).toFixed(1)} KiB |`,
      ),
      '',
    )
  }
  if (r.cacheGc && r.cacheGc.length > 0) {
    lines.push(
      'Result cache and the garbage collector, in-process, awaited one at a time (each token a fresh string, as a server receives it). GC ms/s from PerformanceObserver `gc`; heap at the end of the run, then after a full GC with the verifier alive.',
      '',
      '| variant | verifications/s | GC ms/s | major GCs | heap used MiB | retained MiB |',
      '|---|---:|---:|---:|---:|---:|',
      ...r.cacheGc.map(
        (g) =>
          `| ${esc(g.label)} | ${fmtInt(g.verificationsPerSecond)} | ${fmt1(g.gcMsPerSecond)} | ${g.majorGcs} | ${fmt1(g.heapUsedMiB)} | ${fmt1(g.retainedMiB)} |`,
      ),
      '',
    )
  }
  return lines
}

/**
 * The gateway and Redis rows, as their own modules render them.
 *
 * @example
 * ```ts
 * lines.push(...renderExtras(results))
 * ```
 */
export function renderExtras(r: BenchResults): string[] {
  const lines: string[] = []
  for (const x of r.extras ?? []) {
    const title = x.dir === 'redis' ? 'Redis replay store overhead' : 'Gateway'
    lines.push(`### ${title}`, '')
    if (x.markdown !== undefined)
      lines.push(`From \`bench/src/${x.module ?? x.dir}\`.`, '', x.markdown, '')
    else lines.push(`Not measured: ${x.note ?? 'no result'}.`, '')
  }
  return lines
}
