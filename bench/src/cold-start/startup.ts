/**
 * Start-up costs, parent side: the import time of our packages (each in a fresh `node` process,
 * `performance.now()` around the `import()`), and the first `verify()` after `verifier.ready()`
 * against the first without it.
 */

import { errorMessage } from '../harness/child-ipc.js'
import { startChild } from '../harness/children.js'
import { log } from '../harness/log.js'
import { summarize } from '../harness/stats.js'
import type { Summary } from '../harness/stats.js'
import type { VerifierTarget } from '../fixtures/policy.js'
import type { FirstVerifyJob, FirstVerifyResult } from './first-verify-worker.js'

/** What is imported: ours, then the references that put the numbers in proportion. */
export const IMPORTS: readonly { readonly specifier: string; readonly reference: boolean }[] = [
  { specifier: '@gitlab-id-token/core', reference: false },
  { specifier: '@gitlab-id-token/express', reference: false },
  { specifier: '@gitlab-id-token/fastify', reference: false },
  { specifier: '@gitlab-id-token/koa', reference: false },
  { specifier: 'jose', reference: true },
  { specifier: 'express', reference: true },
]

/** One module's import time over fresh processes. */
export interface ImportRow {
  readonly specifier: string
  readonly reference: boolean
  /** Milliseconds, one sample per fresh process. */
  readonly ms: Summary
}

/** First-verify figures with or without `ready()`: medians over fresh processes. */
export interface FirstVerifyRow extends FirstVerifyResult {
  readonly ready: boolean
  readonly samples: number
}

/** Import rows, first-verify rows and failures. */
export interface StartupResult {
  readonly imports: ImportRow[]
  readonly firstVerify: FirstVerifyRow[]
  readonly failures: string[]
}

async function firstVerifyOnce(
  target: VerifierTarget,
  tokens: readonly string[],
  ready: boolean,
): Promise<FirstVerifyResult> {
  const child = startChild('cold-start/first-verify-worker.ts', {
    name: `first-verify ${ready ? 'ready' : 'plain'}`,
  })
  try {
    const job: FirstVerifyJob = { ...target, ready, tokens }
    child.send(job)
    return (await child.waitFor<{ type: 'result'; data: FirstVerifyResult }>('result', 30_000)).data
  } finally {
    await child.stop()
  }
}

async function importOnce(specifier: string): Promise<number> {
  const child = startChild('cold-start/import-worker.ts', {
    name: `import ${specifier}`,
    args: [specifier],
  })
  try {
    return (await child.waitFor<{ type: 'result'; data: { ms: number } }>('result', 30_000)).data.ms
  } finally {
    await child.stop()
  }
}

/**
 * Measures the import rows (`samples` fresh processes each) and the two first-verify rows.
 *
 * @example
 * ```ts
 * const startup = await runStartup(target, tokens.pool.slice(0, 41), 5)
 * ```
 */
export async function runStartup(
  target: VerifierTarget,
  tokens: readonly string[],
  samples: number,
): Promise<StartupResult> {
  const failures: string[] = []
  const times = new Map<string, number[]>(IMPORTS.map((i) => [i.specifier, []]))
  // Rounds of one process per specifier, so a burst of outside load spreads over all of them.
  for (let s = 0; s < samples; s++) {
    for (const { specifier } of IMPORTS) {
      try {
        times.get(specifier)?.push(await importOnce(specifier))
      } catch (err) {
        failures.push(`import ${specifier}: ${errorMessage(err)}`)
      }
    }
  }
  const imports = IMPORTS.map((i) => ({ ...i, ms: summarize(times.get(i.specifier) ?? []) }))
  log(
    `startup: import ${imports.map((i) => `${i.specifier} ${i.ms.median.toFixed(1)} ms`).join(', ')}`,
  )

  // One fresh process per sample: a single first call is one sample of a few ms, which one
  // scheduler hiccup on a shared machine would decide.
  const firstVerify: FirstVerifyRow[] = []
  for (const ready of [false, true]) {
    const runs: FirstVerifyResult[] = []
    for (let s = 0; s < Math.max(1, samples); s++) {
      try {
        runs.push(await firstVerifyOnce(target, tokens, ready))
      } catch (err) {
        const what = ready ? 'after ready()' : 'without ready()'
        failures.push(`first verify (${what}): ${errorMessage(err)}`)
      }
    }
    const median = (f: (r: FirstVerifyResult) => number) => summarize(runs.map(f)).median
    if (runs.length > 0) {
      firstVerify.push({
        ready,
        samples: runs.length,
        hasReady: runs.every((r) => r.hasReady),
        readyMs: median((r) => r.readyMs),
        firstMs: median((r) => r.firstMs),
        warmMs: median((r) => r.warmMs),
      })
    }
  }
  return { imports, firstVerify, failures }
}
