/** The HTTP section of the report: the full table, the `crypto` modes side by side, the probes. */

import { fmtInt, fmtRange, fmtRatio } from '../harness/stats.js'
import { esc, fmt1 } from './format.js'
import type { BenchResults, HttpRow } from './results.js'

const FRAMEWORKS = ['express', 'fastify', 'koa'] as const
const MODES = ['sync', 'threadpool', 'auto'] as const

function mainTable(rows: readonly HttpRow[]): string[] {
  const line = (h: HttpRow): string => {
    if (h.unavailable)
      return `| ${esc(h.label)} | ${h.mode} | ${h.connections} | n/a | | | | | | | | |`
    const bare = h.mode === 'bare'
    return (
      `| ${esc(h.label)} | ${bare ? '—' : h.mode} | ${h.connections} | ${fmtInt(h.rpsSummary.median)} | ${fmtRange(h.rpsSummary, fmtInt)} | ` +
      `${h.connections === 50 ? fmtRatio(h.xBare.median) : ''} | ${h.kind === 'rawcrypto' || h.mode !== 'distinct' ? '' : fmtRatio(h.xCeiling.median)} | ` +
      `${fmtInt(h.cpu.median)} | ${bare ? '' : fmtInt(h.cpuAdded.median)} | ${fmt1(h.loopDelayP99.median)} | ${fmt1(h.gcMsPerSecond.median)} / ${fmt1(h.heapUsedMiB.median)} | ` +
      `${fmtInt(h.p50.median)} / ${fmtInt(h.p99.median)} |`
    )
  }
  return [
    '| variant | tokens | conn. | req/s | min–max | × bare | × ceiling | server CPU µs/req | added vs bare | loop delay p99 ms | GC ms/s / heap MiB | p50 / p99 ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(line),
  ]
}

function modesTable(rows: readonly HttpRow[]): string[] {
  const find = (id: string, connections: number) =>
    rows.find((h) => h.variant === id && h.mode === 'distinct' && h.connections === connections)
  const cell = (h: HttpRow | undefined, what: 'rps' | 'delay'): string => {
    if (!h) return ''
    if (h.unavailable) return 'n/a'
    return what === 'rps' ? fmtInt(h.rpsSummary.median) : fmt1(h.loopDelayP99.median)
  }
  const x = (h: HttpRow | undefined): string =>
    !h || h.unavailable || h.kind === 'rawcrypto' ? '' : fmtRatio(h.xCeiling.median)
  const out: string[] = [
    '| framework | verifier | req/s, 1 conn. | × ceiling | req/s, 50 conn. | × ceiling | loop delay p99 ms, 50 conn. |',
    '|---|---|---:|---:|---:|---:|---:|',
  ]
  for (const fw of FRAMEWORKS) {
    for (const id of [...MODES.map((m) => `${fw}-ours-${m}`), `${fw}-rawcrypto`]) {
      const one = find(id, 1)
      const fifty = find(id, 50)
      if (!one && !fifty) continue
      const name = id.endsWith('rawcrypto')
        ? 'hand-written sync `KeyObject` (ceiling)'
        : `\`crypto: '${id.split('-').pop() ?? ''}'\``
      out.push(
        `| ${fw} | ${name} | ${cell(one, 'rps')} | ${x(one)} | ${cell(fifty, 'rps')} | ${x(fifty)} | ${cell(fifty, 'delay')} |`,
      )
    }
  }
  return out
}

function probesTable(r: BenchResults): string[] {
  const probes = r.http?.probes ?? []
  if (probes.length === 0) return []
  const names = [...new Set(probes.map((p) => p.probe))]
  const variants = [...new Set(probes.map((p) => p.variant))]
  const cell = (variant: string, probe: string) => {
    const p = probes.find((x) => x.variant === variant && x.probe === probe)
    if (!p) return ''
    const www =
      p.wwwAuthenticate === null
        ? ''
        : p.wwwAuthenticate.includes('error=')
          ? ' + challenge with error'
          : ' + bare challenge'
    return `${p.status}${www}${p.ok ? '' : ' **(unexpected)**'}`
  }
  return [
    'Answers to the probes sent before the load (status + `WWW-Authenticate`):',
    '',
    `| variant | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---').join('|')}|`,
    ...variants.map((v) => `| ${v} | ${names.map((n) => cell(v, n)).join(' | ')} |`),
    '',
  ]
}

/**
 * Markdown lines of the HTTP section (empty when it did not run).
 *
 * @example
 * ```ts
 * lines.push(...renderHttp(results))
 * ```
 */
export function renderHttp(r: BenchResults): string[] {
  if (!r.http) return []
  return [
    '### HTTP requests/s (autocannon)',
    '',
    'GET /hello on 127.0.0.1, each server in its own `node` process (NODE_ENV=production). ' +
      "× bare = median of per-round ratios to the same framework's bare server (50 connections) in the same round; " +
      '× ceiling = the same against the hand-written sync `KeyObject` middleware at the same connection count. ' +
      '`distinct`: every request carries the next token of the pool; `repeated`: one token. ' +
      'Server CPU = CPU time of the server process (all threads) per answered request. ' +
      'Loop delay p99 = `perf_hooks.monitorEventLoopDelay` over the timed window; GC ms/s = GC pause time per second (PerformanceObserver `gc`); heap = `heapUsed` at the end of the window.',
    '',
    ...mainTable(r.http.rows),
    '',
    '#### `crypto` modes side by side (distinct tokens, `cache: false`)',
    '',
    ...modesTable(r.http.rows),
    '',
    ...probesTable(r),
  ]
}
