/** Renders {@link BenchResults} as the markdown report (stdout, results/latest.md, the README). */

import type { BenchResults } from './report.js'
import { fmtInt, fmtRange, fmtRatio } from './stats.js'

const MODE: Record<string, string> = {
  sync: 'sync loop',
  seq: 'awaited one at a time',
  conc: '64 in flight',
}
const esc = (s: string) => s.replace(/\|/g, '\\|')

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine
  const lines: string[] = [
    `Machine: Node ${m.node} · ${m.cpu} · ${m.cores} cores · ${m.platform} · ${m.memoryGiB} GiB RAM · ` +
      `1-min load average ${m.loadAverage[0].toFixed(1)} at start, ${m.loadAverage[1].toFixed(1)} at end.`,
    `Run: ${r.startedAt}, ${r.quick ? 'BENCH_QUICK smoke (1 round; numbers are not meaningful)' : 'default'}, ${Math.round(r.durationSeconds)} s. ` +
      `Token: RS256, RSA-${r.token.keyBits}, ${fmtInt(r.token.bytes)} bytes, ${r.token.claims} claims; ${fmtInt(r.token.pool)} distinct tokens cycled.`,
    '',
  ]
  if (r.verify) {
    lines.push(
      '### (a) In-process verifications/s',
      '',
      'Median over interleaved rounds (min–max). × floor = median of the per-round ratios to the floor row of the same round.',
      '',
      '| case | how | tokens | verifications/s | min–max | × floor | µs/verify |',
      '|---|---|---|---:|---:|---:|---:|',
      ...r.verify.map(
        (c) =>
          `| ${esc(c.label)} | ${MODE[c.mode] ?? c.mode} | ${c.tokens} | ${fmtInt(c.opsPerSecond.median)} | ${fmtRange(c.opsPerSecond, fmtInt)} | ${fmtRatio(c.xFloor.median)} | ${(1e6 / c.opsPerSecond.median).toFixed(1)} |`,
      ),
      '',
    )
  }
  if (r.http) {
    lines.push(
      '### (b) HTTP requests/s (autocannon)',
      '',
      `${r.http.connections} connections, GET /hello on 127.0.0.1, each server in its own \`node\` process (NODE_ENV=production). ` +
        "× bare = median of per-round ratios to the same framework's bare server in the same round. " +
        '`distinct`: every request carries the next token of the pool; `repeated`: one token. ' +
        'Server CPU = CPU time of the server process (all threads) per answered request; "added" = minus the bare server\'s in the same round. ' +
        'It is less sensitive to other load on the machine than req/s.',
      '',
      '| variant | tokens | req/s | min–max | × bare | × bare min–max | server CPU µs/req | added vs bare | p50 / p99 ms |',
      '|---|---|---:|---:|---:|---:|---:|---:|---|',
      ...r.http.rows.map(
        (h) =>
          `| ${esc(h.label)} | ${h.mode === 'bare' ? '—' : h.mode} | ${fmtInt(h.rpsSummary.median)} | ${fmtRange(h.rpsSummary, fmtInt)} | ${fmtRatio(h.xBare.median)} | ${fmtRange(h.xBare, fmtRatio)} | ${fmtInt(h.cpu.median)} | ${h.mode === 'bare' ? '' : fmtInt(h.cpuAdded.median)} | ${fmtInt(h.p50.median)} / ${fmtInt(h.p99.median)} |`,
      ),
      '',
    )
  }
  if (r.http && r.http.probes.length > 0) {
    const names = [...new Set(r.http.probes.map((p) => p.probe))]
    const variants = [...new Set(r.http.probes.map((p) => p.variant))]
    const cell = (variant: string, probe: string) => {
      const p = r.http?.probes.find((x) => x.variant === variant && x.probe === probe)
      if (!p) return ''
      const www =
        p.wwwAuthenticate === null
          ? ''
          : p.wwwAuthenticate.includes('error=')
            ? ' + challenge with error'
            : ' + bare challenge'
      return `${p.status}${www}${p.ok ? '' : ' **(unexpected)**'}`
    }
    lines.push(
      'Answers to the probes sent before the load (status + `WWW-Authenticate`):',
      '',
      `| variant | ${names.join(' | ')} |`,
      `|---|${names.map(() => '---').join('|')}|`,
      ...variants.map((v) => `| ${v} | ${names.map((n) => cell(v, n)).join(' | ')} |`),
      '',
    )
  }
  if (r.coldStart) {
    lines.push(
      '### (c) Cold start',
      '',
      `Fresh process, empty caches; the loopback issuer answers after ${r.coldStart.delayMs} ms (like a remote GitLab). Time from the first request until all are answered.`,
      '',
      '| scenario | concurrent first requests | all answered after | accepted | discovery fetches | key-set fetches |',
      '|---|---:|---:|---:|---:|---:|',
      ...r.coldStart.rows.map(
        (c) =>
          `| ${esc(c.label)} | ${fmtInt(c.requests)} | ${fmtInt(c.ms)} ms | ${fmtInt(c.accepted)} | ${c.discoveryFetches} | ${c.jwksFetches} |`,
      ),
      '',
    )
  }
  if (r.memory) {
    lines.push(
      '### (d) Memory',
      '',
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
  if (r.targets.length > 0) {
    lines.push(
      '### Against the targets of issue 5 (informational; never asserted)',
      '',
      '| target | goal | landed (median of same-round ratios) | met |',
      '|---|---|---|---|',
      ...r.targets.map(
        (t) =>
          `| ${t.target} | ${t.goal} | ${t.landed} | ${t.met === null ? '—' : t.met ? 'yes' : 'no'} |`,
      ),
      '',
    )
  }
  if (r.failures.length > 0) {
    lines.push('### Correctness failures', '', ...r.failures.map((f) => `- ${f}`), '')
  }
  return lines.join('\n')
}
