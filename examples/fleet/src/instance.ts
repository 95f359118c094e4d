/**
 * One instance of the deploy service (examples/deploy-service, unchanged) in fleet mode: its
 * verifier gets the Redis replay store and the shared key set as plain options.
 *
 * Environment: GITLAB_ID_TOKEN_ISSUER, REDIS_URL, JWKS_FLEET_SECRET, INSTANCE (a name for logs).
 */

import { createClient } from 'redis'
import { createVerifier } from '@gitlab-id-token/core'
import { createRedisKeySetCache, createRedisReplayStore } from '@gitlab-id-token/redis'
import { DEFAULT_AUDIENCE, start } from '../../deploy-service/src/app.js'
import { deployPolicy } from '../../deploy-service/src/policy.js'

const name = process.env.INSTANCE ?? 'instance'
const issuer = process.env.GITLAB_ID_TOKEN_ISSUER ?? 'https://gitlab.com'
const log = (entry: Record<string, unknown>): void => {
  console.log(JSON.stringify({ instance: name, ...entry }))
}

const client = createClient({
  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  disableOfflineQueue: true,
  socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2_000) },
})
client.on('error', (error: Error) => log({ event: 'redis.error', message: error.message }))
await client.connect()

const verifier = createVerifier({
  issuer,
  audience: process.env.GITLAB_ID_TOKEN_AUDIENCE ?? DEFAULT_AUDIENCE,
  policy: deployPolicy,
  maxTokenAge: 3600,
  replay: {
    store: createRedisReplayStore({
      client,
      onEvent: (event) => log({ event: `replay-store.${event.type}`, ...event }),
    }),
  },
  jwks: {
    shared: createRedisKeySetCache({
      client,
      secret: process.env.JWKS_FLEET_SECRET ?? '',
      onEvent: (event) => log({ event: `jwks-shared.${event.type}`, ...event }),
    }),
  },
})

const service = await start({ issuer, verifier, log, port: 0 })
process.send?.({ url: service.url })
process.on('disconnect', () => {
  void service.close().then(() => {
    client.destroy()
    process.exit(0)
  })
})
