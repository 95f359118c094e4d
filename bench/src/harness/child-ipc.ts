/**
 * The child side of the parent ↔ child protocol: the parent sends one `start` message, the child
 * answers `result` (or `error`) and exits. A child whose parent disappears exits too.
 */

export function sendToParent(message: Record<string, unknown>): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      resolve()
      return
    }
    process.send(message, undefined, {}, () => resolve())
  })
}

/** `Name CODE: message` of any thrown value, for failure lines. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return `${err.name}${typeof code === 'string' ? ` ${code}` : ''}: ${err.message}`
  }
  return String(err)
}

/** Exit when the parent goes away, so a crashed parent never leaves servers behind. */
export function exitWithParent(): void {
  process.on('disconnect', () => process.exit(0))
}

/** Runs `job` on the parent's `start` message, reports its result, and exits. */
export function runJob<I, O>(job: (input: I) => Promise<O>): void {
  if (!process.send) throw new Error('this file is started by bench/src/main.ts')
  exitWithParent()
  process.once('message', (input: I) => {
    job(input).then(
      async (data) => {
        await sendToParent({ type: 'result', data })
        process.exit(0)
      },
      async (err: unknown) => {
        await sendToParent({ type: 'error', message: errorMessage(err) })
        process.exit(1)
      },
    )
  })
}
