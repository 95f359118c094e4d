/**
 * The HTTP section: req/s with autocannon on 127.0.0.1. Every variant runs in its own child
 * process; probes check the answers first (valid → 200, no token / tampered → 401, other project
 * → 403); then interleaved rounds, each variant's runs (mode × connections) once per round.
 */

import type { BenchTokens } from '../fixtures/bench-issuer.js'
import { errorMessage } from '../harness/child-ipc.js'
import { log } from '../harness/log.js'
import { load } from './load.js'
import { runProbes } from './probes.js'
import type { ProbeResult } from './probes.js'
import { serverWindow, startServer } from './server-handle.js'
import type { ServerHandle } from './server-handle.js'
import { needsCryptoOption } from './variants.js'
import type { HttpVariant, LoadMode, ServerConfig } from './variants.js'

/** Rounds, durations and variants of the HTTP section. */
export interface HttpSettings {
  readonly rounds: number
  readonly warmupSeconds: number
  readonly durationSeconds: number
  readonly quick: boolean
  readonly variants: readonly HttpVariant[]
}

/** One timed load: client figures and the server's own window. */
export interface HttpRunResult {
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly non2xx: number
  readonly errors: number
  readonly timeouts: number
  /** Server process CPU time (user + system, all threads) per answered request. */
  readonly cpuMicrosPerRequest: number
  readonly loopDelayP99Ms: number
  /** GC pause time per second of load. */
  readonly gcMsPerSecond: number
  readonly majorGcs: number
  readonly heapUsedMiB: number
}

/** One variant × mode × connection count, one run per round. */
export interface HttpRowResult {
  readonly variant: string
  readonly framework: string
  readonly kind: string
  readonly label: string
  readonly mode: LoadMode
  readonly connections: number
  /** The core lacks the `crypto` option this variant needs: "n/a". */
  readonly unavailable: boolean
  /** One per round (null when the run failed). */
  readonly runs: (HttpRunResult | null)[]
}

/** Rows, probe answers and correctness failures. */
export interface HttpSectionResult {
  readonly rows: HttpRowResult[]
  readonly probes: ProbeResult[]
  readonly failures: string[]
}

/**
 * The order of one round, as indices into `runs`: the runs of one framework stay together (so
 * each is timed close to its bare run, and a burst of outside load hits both); the framework order
 * and the order inside each framework rotate from round to round.
 */
function roundOrder(runs: readonly { readonly v: HttpVariant }[], round: number): number[] {
  const frameworks = [...new Set(runs.map((r) => r.v.framework))]
  const rotate = <T>(xs: readonly T[]): T[] => xs.map((_, i) => xs[(i + round) % xs.length] as T)
  return rotate(frameworks).flatMap((fw) =>
    rotate(runs.flatMap((r, i) => (r.v.framework === fw ? [i] : []))),
  )
}

async function timedRun(
  s: ServerHandle,
  mode: LoadMode,
  connections: number,
  tokens: BenchTokens,
  settings: HttpSettings,
): Promise<HttpRunResult> {
  await load(s.url, mode, tokens, settings.warmupSeconds, connections)
  await serverWindow(s.child, 'reset')
  const r = await load(s.url, mode, tokens, settings.durationSeconds, connections)
  const w = await serverWindow(s.child, 'read')
  return {
    rps: r.rps,
    p50: r.p50,
    p99: r.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    cpuMicrosPerRequest: w.cpuMicros / Math.max(1, r.answered),
    loopDelayP99Ms: w.loopDelayP99Ms,
    gcMsPerSecond: (w.gcMs / Math.max(1, w.wallMs)) * 1000,
    majorGcs: w.majorGcs,
    heapUsedMiB: w.heapUsed / 2 ** 20,
  }
}

/**
 * Starts every variant (two at a time), probes each, then runs the interleaved rounds.
 *
 * @example
 * ```ts
 * const http = await runHttpSection(serverConfig, tokens, config.http)
 * ```
 */
export async function runHttpSection(
  cfg: ServerConfig,
  tokens: BenchTokens,
  settings: HttpSettings,
): Promise<HttpSectionResult> {
  const failures: string[] = []
  const probes: ProbeResult[] = []
  const servers = new Map<string, ServerHandle>()
  const startable = settings.variants.filter((v) => cfg.cryptoModes || !needsCryptoOption(v))
  try {
    // Two at a time: startup is CPU-bound (module loading) and this machine has two cores.
    const queue = [...startable]
    const starter = async (): Promise<void> => {
      for (let v = queue.shift(); v !== undefined; v = queue.shift()) {
        try {
          servers.set(v.id, await startServer(v, cfg))
        } catch (err) {
          failures.push(`http ${v.id}: server did not start: ${errorMessage(err)}`)
        }
      }
    }
    await Promise.all([starter(), starter()])
    log(`http: ${servers.size} servers up`)

    for (const v of startable) {
      const s = servers.get(v.id)
      if (!s) continue
      try {
        for (const p of await runProbes(v, s.url, tokens)) {
          probes.push(p)
          if (!p.ok)
            failures.push(
              `http ${v.id}: probe '${p.probe}' answered ${p.status} (${String(p.wwwAuthenticate)}), expected ${p.expected}`,
            )
        }
      } catch (err) {
        failures.push(`http ${v.id}: probes failed: ${errorMessage(err)}`)
      }
    }

    const runs = settings.variants.flatMap((v) =>
      v.runs.filter((r) => !settings.quick || r.quick).map((r) => ({ v, ...r })),
    )
    const rows: HttpRowResult[] = runs.map(({ v, mode, connections }) => ({
      variant: v.id,
      framework: v.framework,
      kind: v.kind,
      label: v.label,
      mode,
      connections,
      unavailable: !cfg.cryptoModes && needsCryptoOption(v),
      runs: [],
    }))
    for (let round = 0; round < settings.rounds; round++) {
      for (const k of roundOrder(runs, round)) {
        const { v, mode, connections } = runs[k]!
        const s = servers.get(v.id)
        if (!s) continue
        const what = `${v.id} (${mode}, ${connections} conn.)`
        try {
          const r = await timedRun(s, mode, connections, tokens, settings)
          if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
            failures.push(
              `http ${what}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts under load`,
            )
          }
          rows[k]!.runs[round] = r
          log(`http round ${round + 1}/${settings.rounds}: ${what}: ${Math.round(r.rps)} req/s`)
        } catch (err) {
          rows[k]!.runs[round] = null
          failures.push(`http ${what}: ${errorMessage(err)}`)
        }
      }
    }
    return { rows, probes, failures }
  } finally {
    await Promise.all([...servers.values()].map((s) => s.child.stop()))
  }
}
