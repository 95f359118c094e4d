/**
 * One fleet member for the multi-process suites: its own verifier, a Redis replay store and
 * (optionally) the shared key-set cache. Run with `node --import tsx`; driven over IPC so the
 * suites measure the store, not an HTTP stack. Configuration arrives as JSON in FLEET_CHILD.
 */

import { createClient } from 'redis'
import { createVerifier, isGitlabIdTokenError } from '@gitlab-id-token/core'
import type { VerifierOptions } from '@gitlab-id-token/core'
import { createRedisKeySetCache, createRedisReplayStore } from '@gitlab-id-token/redis'
import type { RedisKeySetCache, RedisReplayStore } from '@gitlab-id-token/redis'

export interface ChildConfig {
  readonly redisUrl: string
  readonly issuer: string
  readonly audience: string
  readonly projectPath: string
  /** `timeout` is the store's deadline and the core's `replay.timeout` (seconds). */
  readonly replay?: { readonly timeout?: number; readonly onUnavailable?: 'fail-closed' | 'local' }
  readonly shared?: { readonly secret: string; readonly cooldown?: number }
}

export type ChildRequest =
  | { readonly type: 'verify'; readonly id: number; readonly token: string }
  | { readonly type: 'stats'; readonly id: number }

export type ChildReply =
  | { readonly type: 'ready' }
  | { readonly id: number; readonly ok: true; readonly kid?: string }
  | { readonly id: number; readonly ok: false; readonly code: string; readonly status: number }
  | {
      readonly id: number
      readonly stats: {
        readonly replay?: ReturnType<RedisReplayStore['stats']>
        readonly shared?: ReturnType<RedisKeySetCache['stats']>
      }
    }

const config = JSON.parse(process.env.FLEET_CHILD ?? '{}') as ChildConfig
const client = createClient({
  url: config.redisUrl,
  disableOfflineQueue: true,
  socket: { reconnectStrategy: () => 50 },
})
client.on('error', () => {})
await client.connect()

const store =
  config.replay === undefined
    ? undefined
    : createRedisReplayStore({
        client,
        ...(config.replay.timeout === undefined ? {} : { timeout: config.replay.timeout }),
        ...(config.replay.onUnavailable === undefined
          ? {}
          : { onUnavailable: config.replay.onUnavailable }),
      })
const shared =
  config.shared === undefined
    ? undefined
    : createRedisKeySetCache({ client, secret: config.shared.secret })

// Both stores are plain verifier options: no glue code.
const jwks = {
  ...(shared === undefined ? {} : { shared }),
  ...(config.shared?.cooldown === undefined ? {} : { cooldown: config.shared.cooldown }),
}
const options: VerifierOptions = {
  issuer: config.issuer,
  audience: config.audience,
  policy: { allow: [{ name: 'fleet', match: { project_path: config.projectPath } }] },
  ...(store === undefined
    ? {}
    : {
        replay: {
          store,
          ...(config.replay?.timeout === undefined ? {} : { timeout: config.replay.timeout }),
        },
      }),
  jwks,
}
const verifier = createVerifier(options)

const send = (reply: ChildReply): void => {
  process.send?.(reply)
}

process.on('message', (request: ChildRequest) => {
  if (request.type === 'stats') {
    send({
      id: request.id,
      stats: {
        ...(store === undefined ? {} : { replay: store.stats() }),
        ...(shared === undefined ? {} : { shared: shared.stats() }),
      },
    })
    return
  }
  verifier.verify(request.token).then(
    () => send({ id: request.id, ok: true }),
    (error: unknown) =>
      send(
        isGitlabIdTokenError(error)
          ? { id: request.id, ok: false, code: error.code, status: error.status }
          : { id: request.id, ok: false, code: String(error), status: 0 },
      ),
  )
})
process.on('disconnect', () => {
  client.destroy()
  process.exit(0)
})
send({ type: 'ready' })
