/**
 * Run settings. The default run is sized to finish in under 5 minutes on a 2-core machine;
 * `BENCH_QUICK=1` is the ~30-second CI smoke (one round, ~1 s per case, fewer HTTP variants).
 *
 * Development knobs (comma-separated lists): `BENCH_SECTIONS=a,b,c,d`, `BENCH_CASES=<verify case
 * ids>`, `BENCH_VARIANTS=<http variant ids>`.
 */

import { HTTP_VARIANTS } from './http-variants.js'
import type { HttpVariant } from './http-variants.js'

export type Section = 'a' | 'b' | 'c' | 'd'

export interface BenchConfig {
  readonly quick: boolean
  /** A development knob narrowed the run: its results are not kept as "latest". */
  readonly partial: boolean
  readonly sections: ReadonlySet<Section>
  /** Distinct tokens minted up front (and cycled through). */
  readonly poolSize: number
  readonly verify: {
    readonly rounds: number
    readonly warmupMs: number
    readonly runMs: number
    readonly only: readonly string[]
  }
  readonly http: {
    readonly rounds: number
    readonly warmupSeconds: number
    readonly durationSeconds: number
    readonly connections: number
    readonly variants: readonly HttpVariant[]
  }
  /** Result-cache size of the `ours` servers: smaller than the pool, so distinct tokens always miss. */
  readonly oursCacheMax: number
  readonly cold: {
    readonly requests: number
    readonly issuerDelayMs: number
    /** Also run the jose and jwks-rsa reference scenarios. */
    readonly references: boolean
  }
  readonly memory: { readonly keySets: number }
  /** Watchdog: the run aborts (non-zero) past this. */
  readonly deadlineMs: number
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

export function loadConfig(env: NodeJS.ProcessEnv): BenchConfig {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true'
  const sections = list(env.BENCH_SECTIONS)
  const variantIds = list(env.BENCH_VARIANTS)
  for (const id of variantIds) {
    if (!HTTP_VARIANTS.some((v) => v.id === id))
      throw new Error(`BENCH_VARIANTS: unknown variant ${id}`)
  }
  const variants = HTTP_VARIANTS.filter((v) =>
    variantIds.length > 0 ? variantIds.includes(v.id) : !quick || v.quick,
  )
  return {
    quick,
    partial: sections.length > 0 || variantIds.length > 0 || list(env.BENCH_CASES).length > 0,
    sections: new Set((sections.length > 0 ? sections : ['a', 'b', 'c', 'd']) as Section[]),
    poolSize: quick ? 500 : 2000,
    verify: quick
      ? { rounds: 1, warmupMs: 200, runMs: 600, only: list(env.BENCH_CASES) }
      : { rounds: 3, warmupMs: 1000, runMs: 1500, only: list(env.BENCH_CASES) },
    http: quick
      ? { rounds: 1, warmupSeconds: 0.25, durationSeconds: 1, connections: 50, variants }
      : { rounds: 3, warmupSeconds: 0.5, durationSeconds: 2, connections: 50, variants },
    oursCacheMax: 100,
    cold: { requests: 1000, issuerDelayMs: 50, references: !quick },
    memory: { keySets: quick ? 50 : 100 },
    deadlineMs: quick ? 180_000 : 480_000,
  }
}
