/**
 * The shape of a run's results (bench/results/*.json) and the step from raw per-round samples to
 * report rows: medians, min–max, and same-round ratios (machine noise mostly cancels within a
 * round, so every "×" figure is the median of per-round ratios, never a ratio of medians).
 */

import type { ColdSectionResult } from '../cold-start/section.js'
import type { StartupResult } from '../cold-start/startup.js'
import type { ExtraRow } from '../extras/section.js'
import { ratios, summarize } from '../harness/stats.js'
import type { Summary } from '../harness/stats.js'
import type { HttpRowResult } from '../http/section.js'
import type { ProbeResult } from '../http/probes.js'
import type { CacheGcRow } from '../memory/cache-gc-worker.js'
import type { MemoryResult } from '../memory/worker.js'
import type { GlobWorstCaseRow } from '../verify/glob-worst-case.js'
import type { VerifyCaseResult } from '../verify/worker.js'

/** Where the run ran. */
export interface Machine {
  readonly node: string
  readonly cpu: string
  readonly cores: number
  readonly platform: string
  readonly memoryGiB: number
  /** 1-minute load average at the start and at the end: other work on the machine skews numbers. */
  readonly loadAverage: readonly [number, number]
}

/** An in-process case with its summaries. */
export interface VerifyRow extends VerifyCaseResult {
  readonly opsPerSecond: Summary
  /** × the sync floor of the same round. */
  readonly xFloor: Summary
}

/** An HTTP row with its summaries and same-round ratios. */
export interface HttpRow extends Omit<HttpRowResult, 'runs'> {
  readonly rps: number[]
  readonly p99s: number[]
  readonly rpsSummary: Summary
  /** × the same framework's bare server (50 connections) in the same round. */
  readonly xBare: Summary
  /** × the same framework's hand-written ceiling at the same connection count, same round. */
  readonly xCeiling: Summary
  readonly p50: Summary
  readonly p99: Summary
  /** Server CPU µs per request, and the same minus the bare server's (per round, then median). */
  readonly cpu: Summary
  readonly cpuAdded: Summary
  readonly loopDelayP99: Summary
  readonly gcMsPerSecond: Summary
  readonly heapUsedMiB: Summary
}

/** One goal of an issue next to this run's figure. */
export interface Target {
  /** The issue that set it. */
  readonly issue: number
  readonly target: string
  readonly goal: string
  readonly landed: string
  /** `null`: not measured in this run (or the feature is missing: "n/a"). */
  readonly met: boolean | null
}

/** Everything a run produced: the JSON in bench/results/. */
export interface BenchResults {
  readonly startedAt: string
  readonly durationSeconds: number
  readonly quick: boolean
  readonly machine: Machine
  readonly token: { readonly bytes: number; readonly claims: number; readonly pool: number }
  /** The core under test has `createVerifier({ crypto })`. */
  readonly cryptoModes: boolean
  readonly settings: unknown
  readonly verify?: { readonly rows: VerifyRow[]; readonly glob: readonly GlobWorstCaseRow[] }
  readonly http?: { readonly rows: HttpRow[]; readonly probes: ProbeResult[] }
  readonly coldStart?: ColdSectionResult
  readonly startup?: StartupResult
  readonly memory?: MemoryResult
  readonly cacheGc?: CacheGcRow[]
  readonly extras?: ExtraRow[]
  readonly targets: Target[]
  readonly failures: string[]
}

/**
 * Verify rows with their summaries; "× floor" against the sync floor of the same round.
 *
 * @example
 * ```ts
 * const rows = verifyRows(result.cases)
 * ```
 */
export function verifyRows(cases: readonly VerifyCaseResult[]): VerifyRow[] {
  const floor = cases.find((c) => c.id === 'floor')?.samples ?? []
  return cases.map((c) => ({
    ...c,
    opsPerSecond: summarize(c.samples),
    xFloor: summarize(ratios(c.samples, floor)),
  }))
}

/**
 * HTTP rows with their summaries and same-round ratios.
 *
 * @example
 * ```ts
 * const rows = httpRows(http.rows)
 * ```
 */
export function httpRows(rows: readonly HttpRowResult[]): HttpRow[] {
  const of = (
    r: HttpRowResult | undefined,
    f: (x: NonNullable<HttpRowResult['runs'][number]>) => number,
  ) => (r?.runs ?? []).map((x) => (x ? f(x) : Number.NaN))
  return rows.map((row) => {
    const { runs: _runs, ...rest } = row
    const bare = rows.find((b) => b.framework === row.framework && b.kind === 'bare')
    const ceiling = rows.find(
      (b) =>
        b.framework === row.framework &&
        b.kind === 'rawcrypto' &&
        b.connections === row.connections,
    )
    const rps = of(row, (x) => x.rps)
    const cpu = of(row, (x) => x.cpuMicrosPerRequest)
    const bareCpu = of(bare, (x) => x.cpuMicrosPerRequest)
    const p99s = of(row, (x) => x.p99)
    return {
      ...rest,
      rps,
      p99s,
      rpsSummary: summarize(rps),
      xBare: summarize(
        ratios(
          rps,
          of(bare, (x) => x.rps),
        ),
      ),
      xCeiling: summarize(
        ratios(
          rps,
          of(ceiling, (x) => x.rps),
        ),
      ),
      p50: summarize(of(row, (x) => x.p50)),
      p99: summarize(p99s),
      cpu: summarize(cpu),
      cpuAdded: summarize(cpu.map((c, i) => c - (bareCpu[i] ?? Number.NaN))),
      loopDelayP99: summarize(of(row, (x) => x.loopDelayP99Ms)),
      gcMsPerSecond: summarize(of(row, (x) => x.gcMsPerSecond)),
      heapUsedMiB: summarize(of(row, (x) => x.heapUsedMiB)),
    }
  })
}
