/**
 * Heap measurement after a full garbage collection. `global.gc` exists when node runs with
 * `--expose-gc` (the soak config passes it); otherwise V8's flag is switched on at run time and the
 * function is taken from a fresh context, which works on Node 20 and 22.
 */

import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let cached: (() => void) | null | undefined

/** The `gc` function, or `null` when this runtime does not allow one. */
export function gcFunction(): (() => void) | null {
  if (cached !== undefined) return cached
  const existing = (globalThis as { gc?: unknown }).gc
  if (typeof existing === 'function') {
    cached = existing as () => void
    return cached
  }
  try {
    setFlagsFromString('--expose-gc')
    const fn = runInNewContext('gc') as unknown
    cached = typeof fn === 'function' ? (fn as () => void) : null
  } catch {
    cached = null
  }
  return cached
}

/** `heapUsed` in bytes after two full collections (or without, when gc is unavailable). */
export function heapUsedAfterGc(): number {
  const gc = gcFunction()
  if (gc !== null) {
    gc()
    gc()
  }
  return process.memoryUsage().heapUsed
}

/** Bytes as mebibytes with one decimal, for printed figures. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}
