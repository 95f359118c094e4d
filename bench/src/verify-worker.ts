/**
 * Child process for section (a): in-process verifications per second, interleaved rounds with the
 * case order rotated each round, correctness checked before anything is timed.
 */

import { performance } from 'node:perf_hooks'
import { errorMessage, runJob } from './child-ipc.js'
import { CONCURRENCY, VERIFY_CASES } from './verify-cases.js'
import type { Mode, PreparedCase, VerifyInput } from './verify-cases.js'

export interface VerifyJob extends VerifyInput {
  readonly rounds: number
  readonly warmupMs: number
  readonly runMs: number
  /** Case ids to run (all when empty). */
  readonly only: readonly string[]
}

export interface VerifyCaseResult {
  readonly id: string
  readonly label: string
  readonly mode: Mode
  readonly tokens: string
  /** ops/s, one per round (index = round). */
  readonly samples: number[]
}

export interface VerifyJobResult {
  readonly cases: VerifyCaseResult[]
  readonly failures: string[]
}

// Hard cap on operations per timed run, on top of the time limit.
const MAX_OPS = 20_000_000
const BATCH = 8

async function measure(mode: Mode, op: (i: number) => unknown, ms: number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  let n = 0
  const start = performance.now()
  const end = start + ms
  if (mode === 'sync') {
    while (performance.now() < end && n < MAX_OPS) {
      for (let k = 0; k < BATCH; k++) op(n++)
    }
  } else if (mode === 'seq') {
    while (performance.now() < end && n < MAX_OPS) {
      for (let k = 0; k < BATCH; k++) await op(n++)
    }
  } else {
    const worker = async (): Promise<void> => {
      while (performance.now() < end && n < MAX_OPS) await op(n++)
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  }
  return (n / (performance.now() - start)) * 1000
}

runJob<VerifyJob, VerifyJobResult>(async (job) => {
  const failures: string[] = []
  const prepared: { id: string; c: (typeof VERIFY_CASES)[number]; p: PreparedCase }[] = []
  for (const c of VERIFY_CASES) {
    if (job.only.length > 0 && !job.only.includes(c.id)) continue
    try {
      const p = await c.prepare(job)
      await p.check()
      prepared.push({ id: c.id, c, p })
    } catch (err) {
      failures.push(`verify ${c.id}: ${errorMessage(err)}`)
    }
  }

  const samples = new Map<string, number[]>(prepared.map(({ id }) => [id, []]))
  const run = async (entry: (typeof prepared)[number], ms: number): Promise<number | undefined> => {
    try {
      return await measure(entry.c.mode, entry.p.op, ms)
    } catch (err) {
      failures.push(`verify ${entry.id}: failed while measuring: ${errorMessage(err)}`)
      return undefined
    }
  }

  for (const entry of prepared) await run(entry, job.warmupMs)
  for (let round = 0; round < job.rounds; round++) {
    // Rotate the order each round so no case always runs first (cold) or right after a heavy one.
    const order = prepared.map((_, i) => prepared[(i + round) % prepared.length]!)
    for (const entry of order) {
      // NaN keeps the per-round alignment the × floor ratios rely on.
      samples.get(entry.id)?.push((await run(entry, job.runMs)) ?? Number.NaN)
    }
  }

  return {
    failures,
    cases: prepared.map(({ id, c }) => ({
      id,
      label: c.label,
      mode: c.mode,
      tokens: c.tokens,
      samples: samples.get(id) ?? [],
    })),
  }
})
