/**
 * Validation of the options both factories share, so a typo fails at startup, not under load.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { GitlabIdTokenError } from '@gitlab-id-token/core'
import type { RedisCommands } from './redis-commands.js'

/**
 * Default key prefix: every key this package writes starts with it.
 *
 * @example
 * ```ts
 * createRedisReplayStore({ client, prefix: `${DEFAULT_PREFIX}:staging` })
 * ```
 */
export const DEFAULT_PREFIX = 'gitlab-id-token'

// Printable ASCII without spaces or braces: a `{…}` would become a Redis Cluster hash tag and put
// every key in one slot (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/).
const PREFIX = /^[\x21-\x7a|~]{1,64}$/

/** The prefix, checked. @internal */
export function resolvePrefix(prefix: string | undefined): string {
  const value = prefix ?? DEFAULT_PREFIX
  if (typeof value !== 'string' || !PREFIX.test(value)) {
    throw new GitlabIdTokenError(
      'ERR_INVALID_CONFIG',
      '"prefix" must be 1-64 printable ASCII characters without spaces or braces',
    )
  }
  return value
}

/** A duration option given in seconds, checked and returned in milliseconds. @internal */
export function resolveSeconds(name: string, value: number | undefined, fallback: number): number {
  const seconds = value ?? fallback
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new GitlabIdTokenError(
      'ERR_INVALID_CONFIG',
      `"${name}" must be a positive number of seconds`,
    )
  }
  return Math.max(1, Math.round(seconds * 1000))
}

/** The client, checked for the commands this package sends. @internal */
export function resolveClient(
  client: unknown,
  needs: readonly (keyof RedisCommands)[],
): RedisCommands {
  const candidate = client as Partial<Record<keyof RedisCommands, unknown>> | null | undefined
  if (typeof candidate !== 'object' || candidate === null) {
    throw new GitlabIdTokenError('ERR_INVALID_CONFIG', '"client" must be a connected Redis client')
  }
  for (const name of needs) {
    if (typeof candidate[name] !== 'function') {
      throw new GitlabIdTokenError(
        'ERR_INVALID_CONFIG',
        `"client" must have ${name}(): pass a node-redis client or wrap yours (see the README)`,
      )
    }
  }
  return client as RedisCommands
}

/**
 * A short, fixed-length name for an issuer inside a key: issuer URLs are long and may contain
 * characters that are awkward in keys, and 96 bits of SHA-256 keep two issuers apart.
 *
 * @example
 * ```ts
 * issuerTag('https://gitlab.com') // 16 base64url characters
 * ```
 */
export function issuerTag(issuer: string): string {
  return createHash('sha256').update(issuer, 'utf8').digest('base64url').slice(0, 16)
}
