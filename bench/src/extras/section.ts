/**
 * The gateway and Redis rows, parent side: one child per directory (see extra-worker.ts), run
 * from the TypeScript source because those modules start helpers next to their own source. A
 * module that fails because its environment is missing (no `redis-server`) is reported, not
 * counted as a correctness failure; anything else it throws is one.
 */

import { errorMessage } from '../harness/child-ipc.js'
import { startChild } from '../harness/children.js'
import { log } from '../harness/log.js'
import type { ExtraJob, ExtraResult } from './extra-worker.js'

/** The directories other engineers own, in run order. */
export const EXTRA_DIRS = ['gateway', 'redis'] as const

/** One directory's outcome: its result, or why it has none. */
export interface ExtraRow extends ExtraResult {
  readonly dir: string
  /** Why it did not run, when it did not. */
  readonly note?: string
}

const ENVIRONMENT = /ENOENT|spawn|not found|ECONNREFUSED/i

/**
 * Runs every present extra module.
 *
 * @example
 * ```ts
 * const { rows, failures } = await runExtras(config.quick)
 * ```
 */
export async function runExtras(quick: boolean): Promise<{ rows: ExtraRow[]; failures: string[] }> {
  const rows: ExtraRow[] = []
  const failures: string[] = []
  for (const dir of EXTRA_DIRS) {
    const child = startChild('extras/extra-worker.ts', {
      name: `extra ${dir}`,
      args: [dir],
      source: true,
    })
    try {
      const job: ExtraJob = { quick }
      child.send(job)
      const { data } = await child.waitFor<{ type: 'result'; data: ExtraResult }>(
        'result',
        quick ? 45_000 : 150_000,
      )
      rows.push({
        dir,
        ...data,
        ...(data.found ? {} : { note: `no bench module in bench/src/${dir}/ yet` }),
      })
      log(`extras: ${dir}: ${data.found ? `ran ${data.module ?? ''}` : 'not present'}`)
    } catch (err) {
      const message = errorMessage(err)
      rows.push({ dir, found: true, note: message })
      if (!ENVIRONMENT.test(message)) failures.push(`${dir} bench: ${message}`)
      log(`extras: ${dir}: ${message}`)
    } finally {
      await child.stop()
    }
  }
  return { rows, failures }
}
