/**
 * The verify section, parent side: starts the verify child (`--expose-gc`, its own heap and JIT
 * state), hands it the tokens, and collects the per-round samples and the worst-case glob rows.
 */

import type { BenchTokens } from '../fixtures/bench-issuer.js'
import { errorMessage } from '../harness/child-ipc.js'
import { startChild } from '../harness/children.js'
import type { VerifyInput } from './cases.js'
import type { VerifyJob, VerifyJobResult } from './worker.js'

/** Rounds and durations of the verify section. */
export interface VerifySettings {
  readonly rounds: number
  readonly warmupMs: number
  readonly runMs: number
  readonly only: readonly string[]
  readonly globIterations: number
}

/**
 * Runs every case in one child and returns its result; a child that dies is one failure.
 *
 * @example
 * ```ts
 * const { cases, glob, failures } = await runVerifySection(input, config.verify)
 * ```
 */
export async function runVerifySection(
  input: Omit<VerifyInput, keyof BenchTokens> & { readonly tokens: BenchTokens },
  settings: VerifySettings,
): Promise<VerifyJobResult> {
  const child = startChild('verify/worker.ts', { name: 'verify', nodeArgs: ['--expose-gc'] })
  try {
    const { tokens, ...rest } = input
    const job: VerifyJob = { ...rest, ...tokens, ...settings }
    child.send(job)
    // ~25 cases, each warmed once and run once per round, plus preparation and the glob rows.
    const budget = 90_000 + 30 * (settings.warmupMs + settings.rounds * settings.runMs)
    return (await child.waitFor<{ type: 'result'; data: VerifyJobResult }>('result', budget)).data
  } catch (err) {
    return { cases: [], glob: [], failures: [`verify: ${errorMessage(err)}`] }
  } finally {
    await child.stop()
  }
}
