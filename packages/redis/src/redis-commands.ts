/**
 * The few Redis commands this package sends, as a structural type a caller's client satisfies.
 *
 * @module
 */

/**
 * `SET` options in both spellings node-redis understands: `expiration`/`condition` (current) and
 * the flat `PX`/`NX` (deprecated in node-redis 6, the only one early 5.x releases read). Each
 * version reads the spelling it knows, and both put the same `SET key value PX n [NX]` on the
 * wire, so one object works across the whole `redis >= 5` peer range.
 *
 * @example
 * ```ts
 * const options: RedisSetOptions = pxOptions(5000, { onlyIfAbsent: true })
 * ```
 */
export interface RedisSetOptions {
  readonly expiration: { readonly type: 'PX'; readonly value: number }
  readonly PX: number
  /** Present for "set only if absent" (`NX`). */
  readonly condition?: 'NX'
  readonly NX?: true
}

/**
 * What the replay store and the key-set cache call on a Redis client. A connected node-redis
 * client (`createClient()`, `createCluster()`, `createSentinel()`) fits as is; wrap other
 * clients in a few lines (the README's ioredis recipe).
 *
 * Replies are typed `unknown` on purpose: the callers check them (`'OK'`, `null`, a string)
 * whatever RESP version or type mapping the client was configured with.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * const client: RedisCommands = await createClient({ url: process.env.REDIS_URL }).connect()
 * ```
 */
export interface RedisCommands {
  /** `SET key value PX ttl [NX]`: `'OK'` when written, `null` when `NX` found the key. */
  set(key: string, value: string, options: RedisSetOptions): Promise<unknown>
  /** `GET key`: the value, or `null`. */
  get(key: string): Promise<unknown>
  /** `EVAL script 1 key arg`: used only to release a lock that is still ours. */
  eval(
    script: string,
    options: { readonly keys: string[]; readonly arguments: string[] },
  ): Promise<unknown>
}

/**
 * `SET` options expiring the key `ttlMs` milliseconds from when Redis applies it. A relative `PX`,
 * never `PXAT`: Redis 7.0 answers `OK` to `SET … NX PXAT <past>` and stores nothing, so an
 * absolute expiry computed on a skewed clock would silently remember nothing (research note
 * `gateway-fleet-cli.md` §0 finding 10).
 *
 * @example
 * ```ts
 * await client.set(key, '1', pxOptions(65_000, { onlyIfAbsent: true })) // 'OK' | null
 * ```
 */
export function pxOptions(
  ttlMs: number,
  { onlyIfAbsent }: { readonly onlyIfAbsent: boolean },
): RedisSetOptions {
  const value = Math.max(1, Math.ceil(ttlMs))
  const expiry = { expiration: { type: 'PX', value }, PX: value } as const
  return onlyIfAbsent ? { ...expiry, condition: 'NX', NX: true } : expiry
}
