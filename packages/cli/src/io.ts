/**
 * The process surface a command sees: streams, environment and clock, injected so the runner can
 * be driven in-process as well as from `bin.ts`.
 *
 * @module
 */

/** A writable stream as the CLI uses it. */
export interface OutputStream {
  write(chunk: string): unknown
  readonly isTTY?: boolean
}

/** A readable stream as the CLI uses it (process.stdin). */
export interface InputStream extends AsyncIterable<string | Buffer> {
  readonly isTTY?: boolean
}

/**
 * What {@link run} needs from the process.
 *
 * @example
 * ```ts
 * const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() }
 * ```
 */
export interface CliIo {
  readonly stdout: OutputStream
  readonly stderr: OutputStream
  readonly stdin: InputStream
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  /**
   * Resolves when the process is asked to stop (SIGINT/SIGTERM); long-running commands await it.
   * A function, so short commands never trap Ctrl-C.
   */
  readonly untilStopped: () => Promise<void>
}

/**
 * The real process.
 *
 * @example
 * ```ts
 * process.exitCode = await run(process.argv.slice(2), processIo())
 * ```
 */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    untilStopped: () =>
      new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve())
        process.once('SIGTERM', () => resolve())
      }),
  }
}
