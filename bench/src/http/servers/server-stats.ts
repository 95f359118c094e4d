/**
 * What a server child reports about one load window: CPU time (main thread and libuv's pool),
 * event-loop delay p99, GC time and count, and heap. The parent resets the window right before
 * a timed load and reads it right after, so warm-ups and probes never count.
 */

import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks'

/** The server's own figures for one load window. */
export interface ServerWindow {
  /** µs of CPU, user + system, all threads. */
  readonly cpuMicros: number
  /** Event-loop delay p99 in ms (perf_hooks.monitorEventLoopDelay, 1 ms resolution). */
  readonly loopDelayP99Ms: number
  /** Milliseconds spent in GC pauses. */
  readonly gcMs: number
  readonly majorGcs: number
  /** `heapUsed` at the end of the window, bytes. */
  readonly heapUsed: number
  /** Wall-clock length of the window, ms. */
  readonly wallMs: number
}

/**
 * Starts the event-loop and GC monitors and returns the window functions.
 *
 * @example
 * ```ts
 * const stats = startServerStats()
 * stats.reset()
 * // … load …
 * const window = stats.read()
 * ```
 */
export function startServerStats(): { reset(): void; read(): ServerWindow } {
  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  let gcMs = 0
  let majorGcs = 0
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMs += entry.duration
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++
    }
  })
  gc.observe({ entryTypes: ['gc'] })
  let cpu = process.cpuUsage()
  let start = performance.now()
  return {
    reset() {
      loop.reset()
      gcMs = 0
      majorGcs = 0
      cpu = process.cpuUsage()
      start = performance.now()
    },
    read() {
      const used = process.cpuUsage(cpu)
      return {
        cpuMicros: used.user + used.system,
        // The histogram is in nanoseconds.
        loopDelayP99Ms: loop.percentile(99) / 1e6,
        gcMs,
        majorGcs,
        heapUsed: process.memoryUsage().heapUsed,
        wallMs: performance.now() - start,
      }
    },
  }
}
