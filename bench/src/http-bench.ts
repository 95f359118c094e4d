/**
 * Section (b): HTTP req/s with autocannon on 127.0.0.1. Every variant runs in its own child
 * process; probes check the answers first (valid → 200, no token / tampered → 401, other project
 * → 403); then interleaved rounds, each variant × load mode once per round in a rotated order.
 */

import autocannon from 'autocannon'
import { errorMessage } from './child-ipc.js'
import { startChild } from './children.js'
import type { ChildHandle } from './children.js'
import { PATH } from './http-variants.js'
import type { HttpVariant, LoadMode, ServerConfig } from './http-variants.js'
import { authHeader, runProbes } from './http-probes.js'
import type { HttpTokens, ProbeResult } from './http-probes.js'
import { log } from './log.js'

export interface HttpSettings {
  readonly rounds: number
  readonly warmupSeconds: number
  readonly durationSeconds: number
  readonly connections: number
  readonly variants: readonly HttpVariant[]
}

export interface HttpRunResult {
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly non2xx: number
  readonly errors: number
  readonly timeouts: number
  /** Server process CPU time (user + system, all threads) per answered request. */
  readonly cpuMicrosPerRequest: number
}

export interface HttpRowResult {
  readonly variant: string
  readonly framework: string
  readonly kind: string
  readonly label: string
  readonly mode: LoadMode
  /** One per round (null when the run failed). */
  readonly runs: (HttpRunResult | null)[]
}

export interface HttpSectionResult {
  readonly rows: HttpRowResult[]
  readonly probes: ProbeResult[]
  readonly failures: string[]
}

// Shared by every run (warm-ups included) so the pool is walked strictly cyclically.
let next = 0

export function load(
  url: string,
  mode: LoadMode,
  tokens: HttpTokens,
  seconds: number,
  connections: number,
): Promise<Omit<HttpRunResult, 'cpuMicrosPerRequest'> & { readonly answered: number }> {
  const pool = tokens.pool
  const request =
    mode === 'distinct'
      ? {
          method: 'GET' as const,
          path: PATH,
          // One global counter across connections: each token comes back only after the whole
          // pool has been sent, so a small result cache (see oursCacheMax) always misses.
          setupRequest: (req: any) => {
            req.headers.authorization = authHeader(pool[next++ % pool.length] as string)
            return req
          },
        }
      : {
          method: 'GET' as const,
          path: PATH,
          headers: { authorization: authHeader(tokens.single) },
        }
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections, duration: seconds, sampleInt: 250, requests: [request] },
      (err: unknown, r: autocannon.Result) => {
        if (err) {
          reject(err instanceof Error ? err : new Error(errorMessage(err)))
          return
        }
        resolve({
          rps: r['2xx'] / r.duration,
          p50: r.latency.p50,
          p99: r.latency.p99,
          non2xx: r.non2xx,
          answered: r['2xx'] + r.non2xx,
          errors: r.errors,
          timeouts: r.timeouts,
        })
      },
    )
  })
}

/**
 * The order of one round, as indices into `runs`: the runs of one framework stay together (so each
 * is timed close to its bare run, and a burst of outside load hits both), the framework order
 * and the order inside each framework rotate from round to round.
 */
export function roundOrder(runs: readonly { readonly v: HttpVariant }[], round: number): number[] {
  const frameworks = [...new Set(runs.map((r) => r.v.framework))]
  const rotate = <T>(xs: readonly T[]): T[] => xs.map((_, i) => xs[(i + round) % xs.length] as T)
  return rotate(frameworks).flatMap((fw) =>
    rotate(runs.flatMap((r, i) => (r.v.framework === fw ? [i] : []))),
  )
}

/** The server's cumulative CPU time in µs. */
async function serverCpu(child: ChildHandle): Promise<number> {
  child.send({ type: 'cpu' })
  const { usage } = await child.waitFor<{ type: 'cpu'; usage: NodeJS.CpuUsage }>('cpu', 10_000)
  return usage.user + usage.system
}

/** Starts one server child and waits for its port. */
export async function startServer(
  variant: HttpVariant,
  cfg: ServerConfig,
): Promise<{ child: ChildHandle; url: string }> {
  const child = startChild('./servers/server.ts', {
    name: variant.id,
    args: [variant.id],
    env: { BENCH_SERVER: JSON.stringify(cfg) },
  })
  const { port } = await child.waitFor<{ type: 'ready'; port: number }>('ready', 30_000)
  return { child, url: `http://127.0.0.1:${port}${PATH}` }
}

export async function runHttpSection(
  cfg: ServerConfig,
  tokens: HttpTokens,
  settings: HttpSettings,
): Promise<HttpSectionResult> {
  const failures: string[] = []
  const probes: ProbeResult[] = []
  const servers = new Map<string, { child: ChildHandle; url: string }>()
  try {
    // Two at a time: startup is CPU-bound (module loading) and this machine has two cores.
    const queue = [...settings.variants]
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

    for (const v of settings.variants) {
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
      servers.has(v.id) ? v.modes.map((mode) => ({ v, mode })) : [],
    )
    const rows: HttpRowResult[] = runs.map(({ v, mode }) => ({
      variant: v.id,
      framework: v.framework,
      kind: v.kind,
      label: v.label,
      mode,
      runs: [],
    }))
    for (let round = 0; round < settings.rounds; round++) {
      for (const k of roundOrder(runs, round)) {
        const { v, mode } = runs[k]!
        const url = servers.get(v.id)!.url
        try {
          await load(url, mode, tokens, settings.warmupSeconds, settings.connections)
          const cpu0 = await serverCpu(servers.get(v.id)!.child)
          const measured = await load(
            url,
            mode,
            tokens,
            settings.durationSeconds,
            settings.connections,
          )
          const cpu1 = await serverCpu(servers.get(v.id)!.child)
          const { answered, ...rest } = measured
          const r: HttpRunResult = {
            ...rest,
            cpuMicrosPerRequest: (cpu1 - cpu0) / Math.max(1, answered),
          }
          if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
            failures.push(
              `http ${v.id} (${mode}): ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts under load`,
            )
          }
          rows[k]!.runs[round] = r
          log(
            `http round ${round + 1}/${settings.rounds}: ${v.id} ${mode}: ${Math.round(r.rps)} req/s`,
          )
        } catch (err) {
          rows[k]!.runs[round] = null
          failures.push(`http ${v.id} (${mode}): ${errorMessage(err)}`)
        }
      }
    }
    return { rows, probes, failures }
  } finally {
    await Promise.all([...servers.values()].map((s) => s.child.stop()))
  }
}

export type { HttpTokens, ProbeResult }
