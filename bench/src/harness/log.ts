/** Progress goes to stderr so stdout carries only the markdown report. */

const start = Date.now()

/** One progress line on stderr, stamped with seconds since start. */
export function log(message: string): void {
  process.stderr.write(`[bench +${((Date.now() - start) / 1000).toFixed(1)}s] ${message}\n`)
}
