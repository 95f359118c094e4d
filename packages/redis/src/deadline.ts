/**
 * Our own deadline around every Redis command.
 *
 * @module
 */

/**
 * Why a Redis call produced no usable answer: it missed the deadline, the client rejected it, or
 * Redis answered something the protocol does not allow here.
 *
 * @example
 * ```ts
 * const reason: RedisFailureReason = error instanceof RedisDeadlineError ? 'timeout' : 'error'
 * ```
 */
export type RedisFailureReason = 'timeout' | 'error' | 'invalid-answer'

/**
 * The rejection of a call that missed its deadline.
 *
 * @example
 * ```ts
 * if (error instanceof RedisDeadlineError) metrics.increment('redis_timeout')
 * ```
 */
export class RedisDeadlineError extends Error {
  override readonly name = 'RedisDeadlineError'
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number

  constructor(timeoutMs: number) {
    super(`Redis did not answer within ${timeoutMs} ms`)
    this.timeoutMs = timeoutMs
  }
}

/**
 * Runs `call` and rejects with {@link RedisDeadlineError} when it has not settled after
 * `timeoutMs`. The command itself is not cancelled, and its late reply is dropped.
 *
 * Why not the client's own timeout: on a hung (SIGSTOPped) Redis 7.0.15, node-redis 6.3.1 kept a
 * command pending past 3 s with per-command `timeout` and with an `AbortSignal`; only the socket's
 * `socketTimeout` (a reconnect) or a timer outside the client answered (research note
 * `gateway-fleet-cli.md` §0 finding 11). A dropped late reply is safe for the replay store: the key
 * it may have written can only turn a later use into "replayed", never admit a token.
 *
 * @example
 * ```ts
 * const reply = await withDeadline(() => client.get(key), 250)
 * ```
 */
export function withDeadline<T>(call: () => Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RedisDeadlineError(timeoutMs)), timeoutMs)
    // The process must not stay alive for a deadline alone.
    timer.unref()
    let pending: Promise<T>
    try {
      pending = call()
    } catch (error) {
      clearTimeout(timer)
      reject(toError(error))
      return
    }
    Promise.resolve(pending).then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(toError(error))
      },
    )
  })
}

/**
 * The {@link RedisFailureReason} of a rejection from {@link withDeadline}.
 *
 * @example
 * ```ts
 * withDeadline(call, 250).catch((error) => failureReason(error)) // 'timeout' | 'error'
 * ```
 */
export function failureReason(error: unknown): RedisFailureReason {
  return error instanceof RedisDeadlineError ? 'timeout' : 'error'
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
