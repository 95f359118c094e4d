/**
 * The error for a wrong invocation: a bad flag, a missing file, no token. Exit code 4.
 *
 * @module
 */

/**
 * Thrown by commands and argument parsing; the runner prints `message` (and `hint`) on stderr, or
 * `{ code: 'ERR_USAGE' }` with `--json`, and exits with 4.
 *
 * @example
 * ```ts
 * throw new UsageError('--audience is required', 'the aud of the job\'s id_tokens: entry')
 * ```
 */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  readonly code = 'ERR_USAGE' as const
  /** A second line saying what to do instead. */
  readonly hint: string | undefined

  constructor(message: string, hint?: string) {
    super(message)
    this.hint = hint
  }
}
