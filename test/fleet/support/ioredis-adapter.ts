// The README's ioredis recipe, verbatim: keep the two in sync (test/fleet/ioredis.test.ts runs it).
import type { Cluster, Redis } from 'ioredis'
import type { RedisCommands } from '@gitlab-id-token/redis'

/** Wraps an ioredis client (or Cluster) into the shape @gitlab-id-token/redis calls. */
export function fromIoredis(redis: Redis | Cluster): RedisCommands {
  return {
    set: (key, value, options) =>
      options.condition === 'NX'
        ? redis.set(key, value, 'PX', options.PX, 'NX')
        : redis.set(key, value, 'PX', options.PX),
    get: (key) => redis.get(key),
    eval: (script, { keys, arguments: args }) => redis.eval(script, keys.length, ...keys, ...args),
  }
}
