/**
 * Turns the raw per-round samples into the report: medians, min–max, same-round ratios, the
 * issue-5 targets (informational only: the bench never asserts numbers).
 */

import type { ColdSectionResult } from './cold-start.js'
import type { HttpRowResult, ProbeResult } from './http-bench.js'
import type { MemoryResult } from './memory-worker.js'
import { fmtRatio, ratios, summarize } from './stats.js'
import type { Summary } from './stats.js'
import type { VerifyCaseResult } from './verify-worker.js'

export interface Machine {
  readonly node: string
  readonly cpu: string
  readonly cores: number
  readonly platform: string
  readonly memoryGiB: number
  /** 1-minute load average at the start and at the end: other work on the machine skews numbers. */
  readonly loadAverage: readonly [number, number]
}

export interface VerifyRow extends VerifyCaseResult {
  readonly opsPerSecond: Summary
  readonly xFloor: Summary
}

export interface HttpRow extends Omit<HttpRowResult, 'runs'> {
  readonly rps: number[]
  readonly rpsSummary: Summary
  readonly xBare: Summary
  readonly p50: Summary
  readonly p99: Summary
  /** Server CPU µs per request, and the same minus the bare server's (per round, then median). */
  readonly cpu: Summary
  readonly cpuAdded: Summary
}

export interface Target {
  readonly target: string
  readonly goal: string
  readonly landed: string
  readonly met: boolean | null
}

export interface BenchResults {
  readonly startedAt: string
  readonly durationSeconds: number
  readonly quick: boolean
  readonly machine: Machine
  readonly token: {
    readonly bytes: number
    readonly claims: number
    readonly alg: 'RS256'
    readonly keyBits: 2048
    readonly pool: number
  }
  readonly settings: unknown
  readonly verify?: VerifyRow[]
  readonly http?: {
    readonly connections: number
    readonly rows: HttpRow[]
    readonly probes: ProbeResult[]
  }
  readonly coldStart?: ColdSectionResult
  readonly memory?: MemoryResult
  readonly targets: Target[]
  readonly failures: string[]
}

export function verifyRows(cases: readonly VerifyCaseResult[]): VerifyRow[] {
  const floor = cases.find((c) => c.id === 'floor')?.samples ?? []
  return cases.map((c) => ({
    ...c,
    opsPerSecond: summarize(c.samples),
    xFloor: summarize(ratios(c.samples, floor)),
  }))
}

export function httpRows(rows: readonly HttpRowResult[]): HttpRow[] {
  const rpsOf = (r: HttpRowResult) => r.runs.map((x) => x?.rps ?? Number.NaN)
  const cpuOf = (r: HttpRowResult) => r.runs.map((x) => x?.cpuMicrosPerRequest ?? Number.NaN)
  return rows.map(({ runs, ...rest }) => {
    const bare = rows.find((b) => b.framework === rest.framework && b.kind === 'bare')
    const rps = rpsOf({ runs, ...rest })
    const cpu = cpuOf({ runs, ...rest })
    const bareCpu = bare ? cpuOf(bare) : []
    return {
      cpu: summarize(cpu),
      cpuAdded: summarize(cpu.map((c, i) => c - (bareCpu[i] ?? Number.NaN))),
      ...rest,
      rps,
      rpsSummary: summarize(rps),
      xBare: summarize(bare ? ratios(rps, rpsOf(bare)) : []),
      p50: summarize(runs.map((x) => x?.p50 ?? Number.NaN)),
      p99: summarize(runs.map((x) => x?.p99 ?? Number.NaN)),
    }
  })
}

function target(name: string, goal: number, value: number, unit = '×'): Target {
  return {
    target: name,
    goal: `≥ ${goal}${unit}`,
    landed: Number.isFinite(value) ? `${fmtRatio(value)}${unit}` : 'not measured',
    met: Number.isFinite(value) ? value >= goal : null,
  }
}

export function computeTargets(r: Pick<BenchResults, 'verify' | 'http' | 'coldStart'>): Target[] {
  const out: Target[] = []
  const v = (id: string) => r.verify?.find((c) => c.id === id)?.samples ?? []
  if (r.verify) {
    out.push(
      target(
        'in-process, distinct tokens, vs the raw crypto floor',
        0.75,
        summarize(ratios(v('ours-distinct'), v('floor'))).median,
      ),
    )
    out.push(
      target(
        'in-process, distinct tokens, vs jose awaited one at a time',
        4,
        summarize(ratios(v('ours-distinct'), v('jose-seq'))).median,
      ),
    )
    out.push(
      target(
        'in-process, repeated token, vs the floor',
        8,
        summarize(ratios(v('ours-repeated'), v('floor'))).median,
      ),
    )
  }
  if (r.http) {
    const rows = r.http.rows
    const rps = (variant: string, mode: string) =>
      rows.find((x) => x.variant === variant && x.mode === mode)?.rps ?? []
    const vs = (a: string, am: string, b: string, bm: string) =>
      summarize(ratios(rps(a, am), rps(b, bm))).median
    for (const fw of ['express', 'fastify', 'koa']) {
      out.push(
        target(
          `HTTP ${fw}, distinct tokens, vs the hand-written KeyObject ceiling`,
          0.95,
          vs(`${fw}-ours`, 'distinct', `${fw}-rawcrypto`, 'distinct'),
        ),
      )
    }
    out.push(
      target(
        'HTTP express, distinct tokens, vs express-jwt + jwks-rsa',
        1.5,
        vs('express-ours', 'distinct', 'express-jwt', 'distinct'),
      ),
    )
    out.push(
      target(
        'HTTP koa, distinct tokens, vs koa-jwt + jwks-rsa',
        2.5,
        vs('koa-ours', 'distinct', 'koa-jwt', 'distinct'),
      ),
    )
    out.push(
      target(
        'HTTP fastify, distinct tokens, vs @fastify/jwt',
        1.0,
        vs('fastify-ours', 'distinct', 'fastify-jwt', 'distinct'),
      ),
    )
    for (const fw of ['express', 'fastify', 'koa']) {
      out.push(
        target(
          `HTTP ${fw}, repeated token, vs bare ${fw}`,
          0.8,
          vs(`${fw}-ours`, 'repeated', `${fw}-bare`, 'bare'),
        ),
      )
    }
  }
  for (const row of r.coldStart?.rows ?? []) {
    if (row.scenario !== 'ours' && row.scenario !== 'express-ours') continue
    out.push({
      target: `cold start (${row.scenario}), ${row.requests} concurrent first requests`,
      goal: '1 discovery, 1 key-set fetch',
      landed: `${row.discoveryFetches} discovery, ${row.jwksFetches} key-set`,
      met: row.discoveryFetches === 1 && row.jwksFetches === 1,
    })
  }
  return out
}
