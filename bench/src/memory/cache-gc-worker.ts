/**
 * Child process of the memory section: what the result cache costs the garbage collector. One
 * verifier per variant (default cache, `cache: false`) verifies distinct or repeated tokens for a
 * fixed time, awaited one at a time, while a PerformanceObserver sums the GC pauses. Issue 11
 * found the old cache (every token admitted, the token string as key) caused major GCs and 41 MB
 * of heap on distinct-token traffic.
 */

import { PerformanceObserver, constants, performance } from 'node:perf_hooks'
import { runJob } from '../harness/child-ipc.js'
import { oursOptions } from '../fixtures/policy.js'
import type { VerifierTarget } from '../fixtures/policy.js'

/** What the parent sends the cache-GC child. */
export interface CacheGcJob extends VerifierTarget {
  readonly pool: readonly string[]
  readonly single: string
  readonly runMs: number
}

/** One cache variant's throughput, GC time and heap. */
export interface CacheGcRow {
  readonly id: string
  readonly label: string
  readonly verificationsPerSecond: number
  /** GC pause time per second of the run. */
  readonly gcMsPerSecond: number
  readonly majorGcs: number
  /** `heapUsed` at the end of the run (no forced GC), MiB. */
  readonly heapUsedMiB: number
  /** Heap still used after a full GC, with the verifier alive, MiB. */
  readonly retainedMiB: number
}

const VARIANTS = [
  { id: 'cache-default-distinct', cache: undefined, repeated: false },
  { id: 'cache-off-distinct', cache: false, repeated: false },
  { id: 'cache-default-repeated', cache: undefined, repeated: true },
  { id: 'cache-off-repeated', cache: false, repeated: true },
] as const

runJob<CacheGcJob, CacheGcRow[]>(async (job) => {
  const { createVerifier } = await import('@gitlab-id-token/core')
  const gc = (globalThis as { gc?: () => void }).gc
  let gcMs = 0
  let majorGcs = 0
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMs += entry.duration
      if (
        (entry as { detail?: { kind?: number } }).detail?.kind ===
        constants.NODE_PERFORMANCE_GC_MAJOR
      )
        majorGcs++
    }
  })
  observer.observe({ entryTypes: ['gc'] })
  const rows: CacheGcRow[] = []
  const keep: unknown[] = []
  const n = job.pool.length
  for (const v of VARIANTS) {
    const verifier = createVerifier(oursOptions(job, v.cache === undefined ? {} : { cache: false }))
    await verifier.verify(job.single)
    // Each token as a fresh string, as a server receives it from a request, so a cache keyed by
    // the token string pays for its own copy.
    const tokenAt = (i: number): string =>
      v.repeated
        ? Buffer.from(job.single).toString()
        : Buffer.from(job.pool[i % n] as string).toString()
    // Warm up first (a third of the run): the variant measured first would otherwise also pay
    // for compiling the verifier's code.
    const warmEnd = performance.now() + job.runMs / 3
    for (let i = 0; performance.now() < warmEnd; i++) await verifier.verify(tokenAt(i))
    gc?.()
    // Let the forced collection's observer entries arrive before counting starts.
    await new Promise((r) => setImmediate(r))
    gcMs = 0
    majorGcs = 0
    let ops = 0
    const start = performance.now()
    const end = start + job.runMs
    while (performance.now() < end) {
      for (let k = 0; k < 8; k++) await verifier.verify(tokenAt(ops++))
    }
    const ms = performance.now() - start
    await new Promise((r) => setImmediate(r))
    const heapUsed = process.memoryUsage().heapUsed
    const gcTotal = gcMs
    const majors = majorGcs
    gc?.()
    const retained = process.memoryUsage().heapUsed
    rows.push({
      id: v.id,
      label: `${v.cache === false ? '`cache: false`' : 'default result cache'}, ${v.repeated ? 'the same token repeated' : 'distinct tokens'}`,
      verificationsPerSecond: (ops / ms) * 1000,
      gcMsPerSecond: (gcTotal / ms) * 1000,
      majorGcs: majors,
      heapUsedMiB: heapUsed / 2 ** 20,
      retainedMiB: retained / 2 ** 20,
    })
    // Kept until the end, so the retained figure above included its cache.
    keep.push(verifier)
  }
  observer.disconnect()
  return keep.length === VARIANTS.length ? rows : []
})
