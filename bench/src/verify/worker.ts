/**
 * Child process of the verify section: in-process verifications per second, interleaved rounds
 * with the case order rotated each round, correctness checked before anything is timed.
 */

import { performance } from 'node:perf_hooks'
import { errorMessage, runJob } from '../harness/child-ipc.js'
import type { Drive, PreparedCase, VerifyCase, VerifyInput } from './cases.js'
import { VERIFY_CASES } from './cases.js'
import { runGlobWorstCase } from './glob-worst-case.js'
import type { GlobWorstCaseRow } from './glob-worst-case.js'

/** What the parent sends the verify child. */
export interface VerifyJob extends VerifyInput {
  readonly rounds: number
  readonly warmupMs: number
  readonly runMs: number
  /** Case ids to run (all when empty). */
  readonly only: readonly string[]
  readonly globIterations: number
}

/** One case's samples (or its absence: n/a). */
export interface VerifyCaseResult {
  readonly id: string
  readonly label: string
  readonly drive: Drive
  readonly inFlight: number
  readonly tokens: string
  readonly group: VerifyCase['group']
  /** The core lacks an option this case needs: reported as "n/a", never run. */
  readonly unavailable: boolean
  /** ops/s, one per round (index = round). */
  readonly samples: number[]
}

/** Every case, the glob rows and the correctness failures. */
export interface VerifyJobResult {
  readonly cases: VerifyCaseResult[]
  readonly glob: readonly GlobWorstCaseRow[]
  readonly failures: string[]
}

// Hard cap on operations per timed run, on top of the time limit.
const MAX_OPS = 20_000_000
const BATCH = 8

async function measure(c: VerifyCase, op: (i: number) => unknown, ms: number): Promise<number> {
  ;(globalThis as { gc?: () => void }).gc?.()
  let n = 0
  const start = performance.now()
  const end = start + ms
  if (c.drive === 'sync') {
    while (performance.now() < end && n < MAX_OPS) {
      for (let k = 0; k < BATCH; k++) op(n++)
    }
  } else if (c.inFlight === 1) {
    // Awaited one at a time, in batches so the clock is read less often than the verifier runs.
    while (performance.now() < end && n < MAX_OPS) {
      for (let k = 0; k < BATCH; k++) await op(n++)
    }
  } else {
    const worker = async (): Promise<void> => {
      while (performance.now() < end && n < MAX_OPS) await op(n++)
    }
    await Promise.all(Array.from({ length: c.inFlight }, worker))
  }
  return (n / (performance.now() - start)) * 1000
}

runJob<VerifyJob, VerifyJobResult>(async (job) => {
  const failures: string[] = []
  const prepared: { c: VerifyCase; p: PreparedCase }[] = []
  const unavailable = new Set<string>()
  const selected = VERIFY_CASES.filter((c) => job.only.length === 0 || job.only.includes(c.id))
  for (const c of selected) {
    if (c.needsCryptoOption === true && !job.cryptoModes) {
      unavailable.add(c.id)
      continue
    }
    try {
      const p = await c.prepare(job)
      await p.check()
      prepared.push({ c, p })
    } catch (err) {
      failures.push(`verify ${c.id}: ${errorMessage(err)}`)
    }
  }

  const samples = new Map<string, number[]>(prepared.map(({ c }) => [c.id, []]))
  const run = async (entry: (typeof prepared)[number], ms: number): Promise<number> => {
    try {
      return await measure(entry.c, entry.p.op, ms)
    } catch (err) {
      failures.push(`verify ${entry.c.id}: failed while measuring: ${errorMessage(err)}`)
      // NaN keeps the per-round alignment the same-round ratios rely on.
      return Number.NaN
    }
  }

  for (const entry of prepared) await run(entry, job.warmupMs)
  for (let round = 0; round < job.rounds; round++) {
    // Rotate the order each round so no case always runs first (cold) or right after a heavy one.
    const order = prepared.map((_, i) => prepared[(i + round) % prepared.length]!)
    for (const entry of order) samples.get(entry.c.id)?.push(await run(entry, job.runMs))
  }

  let glob: readonly GlobWorstCaseRow[] = []
  try {
    glob = await runGlobWorstCase({ iterations: job.globIterations })
    for (const row of glob) {
      if (!row.refused) failures.push(`verify ${row.id}: the worst-case glob token was ALLOWED`)
    }
  } catch (err) {
    failures.push(`verify glob worst case: ${errorMessage(err)}`)
  }

  return {
    failures,
    glob,
    cases: selected
      .filter((c) => unavailable.has(c.id) || samples.has(c.id))
      .map((c) => ({
        id: c.id,
        label: c.label,
        drive: c.drive,
        inFlight: c.inFlight,
        tokens: c.tokens,
        group: c.group,
        unavailable: unavailable.has(c.id),
        samples: samples.get(c.id) ?? [],
      })),
  }
})
