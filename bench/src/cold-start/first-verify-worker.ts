/**
 * Child process: the first `verify()` of a fresh process, with and without `verifier.ready()`
 * first, next to a warm one. Without `ready()` the first call pays for undici's first `fetch()`,
 * discovery and the key set; `ready()` moves that to start-up (issue 11's cold-start target).
 */

import { performance } from 'node:perf_hooks'
import { runJob } from '../harness/child-ipc.js'
import { oursOptions } from '../fixtures/policy.js'
import type { VerifierTarget } from '../fixtures/policy.js'

/** What the parent sends the first-verify child. */
export interface FirstVerifyJob extends VerifierTarget {
  readonly ready: boolean
  /** Distinct valid tokens: the first is the measured one, the rest make the warm figure. */
  readonly tokens: readonly string[]
}

/** The first and a warm verification's time, in ms. */
export interface FirstVerifyResult {
  /** `ready()` exists on this core's verifier. */
  readonly hasReady: boolean
  /** How long `await verifier.ready()` took (0 without it). */
  readonly readyMs: number
  readonly firstMs: number
  /** Median of the last half of the following verifications. */
  readonly warmMs: number
}

runJob<FirstVerifyJob, FirstVerifyResult>(async (job) => {
  const { createVerifier } = await import('@gitlab-id-token/core')
  // No result cache: every call below checks a signature, so "warm" is a real verification.
  const verifier = createVerifier({ ...oursOptions(job), cache: false })
  const ready = (verifier as { ready?: () => Promise<void> }).ready
  let readyMs = 0
  if (job.ready && typeof ready === 'function') {
    const start = performance.now()
    await ready.call(verifier)
    readyMs = performance.now() - start
  }
  const [first, ...rest] = job.tokens
  if (first === undefined) throw new Error('no tokens')
  const start = performance.now()
  await verifier.verify(first)
  const firstMs = performance.now() - start
  const times: number[] = []
  for (const token of rest) {
    const t = performance.now()
    await verifier.verify(token)
    times.push(performance.now() - t)
  }
  const tail = times.slice(times.length >> 1).sort((a, b) => a - b)
  return {
    hasReady: typeof ready === 'function',
    readyMs,
    firstMs,
    warmMs: tail[tail.length >> 1] ?? Number.NaN,
  }
})
