/**
 * Run settings. The default run is sized to finish in about 6 minutes on a 2-core machine;
 * `BENCH_QUICK=1` is the CI smoke run (every variant checked for correct answers, one short
 * sample each; its numbers mean nothing).
 *
 * Development knobs (comma-separated lists): `BENCH_SECTIONS=verify,http,cold-start,memory,extras`,
 * `BENCH_CASES=<verify case ids>`, `BENCH_VARIANTS=<http variant ids>`.
 */

import type { HttpSettings } from './http/section.js'
import { HTTP_VARIANTS } from './http/variants.js'
import type { MemorySettings } from './memory/section.js'
import type { VerifySettings } from './verify/section.js'

/** The sections, in run order. */
export const SECTIONS = ['verify', 'http', 'cold-start', 'memory', 'extras'] as const
/** A section name, as `BENCH_SECTIONS` takes it. */
export type Section = (typeof SECTIONS)[number]

/** Every setting of one run. */
export interface BenchConfig {
  readonly quick: boolean
  /** A development knob narrowed the run: its results are not kept as "latest". */
  readonly partial: boolean
  readonly sections: ReadonlySet<Section>
  /** Distinct tokens minted up front (and cycled through). */
  readonly poolSize: number
  readonly verify: VerifySettings
  readonly http: HttpSettings
  readonly cold: {
    readonly requests: number
    readonly issuerDelayMs: number
    /** Also run the jose and jwks-rsa reference scenarios. */
    readonly references: boolean
    /** Fresh processes per import-time row. */
    readonly importSamples: number
  }
  readonly memory: MemorySettings
  /** Watchdog: the run aborts (non-zero) past this. */
  readonly deadlineMs: number
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

/**
 * Reads the run settings from the environment.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env)
 * if (config.sections.has('http')) await runHttpSection(cfg, tokens, config.http)
 * ```
 */
export function loadConfig(env: NodeJS.ProcessEnv): BenchConfig {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true'
  const sections = list(env.BENCH_SECTIONS)
  for (const s of sections) {
    if (!(SECTIONS as readonly string[]).includes(s))
      throw new Error(`BENCH_SECTIONS: unknown section ${s}; one of ${SECTIONS.join(', ')}`)
  }
  const variantIds = list(env.BENCH_VARIANTS)
  for (const id of variantIds) {
    if (!HTTP_VARIANTS.some((v) => v.id === id))
      throw new Error(`BENCH_VARIANTS: unknown variant ${id}`)
  }
  const variants = HTTP_VARIANTS.filter((v) => variantIds.length === 0 || variantIds.includes(v.id))
  const only = list(env.BENCH_CASES)
  return {
    quick,
    partial: sections.length > 0 || variantIds.length > 0 || only.length > 0,
    // The gateway and Redis modules start their own servers (nginx, redis-server) and take ~40 s
    // even when small; their own test suites check their answers, so a quick run leaves them
    // out unless asked for by name.
    sections: new Set(
      sections.length > 0
        ? (sections as Section[])
        : SECTIONS.filter((s) => !quick || s !== 'extras'),
    ),
    poolSize: quick ? 500 : 2000,
    verify: quick
      ? { rounds: 1, warmupMs: 30, runMs: 100, only, globIterations: 200 }
      : { rounds: 3, warmupMs: 400, runMs: 800, only, globIterations: 2000 },
    http: quick
      ? { rounds: 1, warmupSeconds: 0.1, durationSeconds: 0.4, quick, variants }
      : { rounds: 3, warmupSeconds: 0.25, durationSeconds: 1, quick, variants },
    cold: {
      requests: quick ? 300 : 1000,
      issuerDelayMs: 50,
      references: !quick,
      importSamples: quick ? 1 : 5,
    },
    memory: { keySets: quick ? 10 : 50, cacheRunMs: quick ? 200 : 1500 },
    deadlineMs: quick ? 150_000 : 540_000,
  }
}
