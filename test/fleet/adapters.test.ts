/**
 * The stores as plain verifier options in all three adapters, no glue code: `replay.store` and
 * `jwks.shared` next to `issuer`, `audience` and `policy`. Express, Fastify and Koa on one Redis
 * accept a token once between them and fetch GitLab's key set once between them.
 */

import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import { createClient } from 'redis'
import type { RedisClientType } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as expressAdapter from '@gitlab-id-token/express'
import * as fastifyAdapter from '@gitlab-id-token/fastify'
import * as koaAdapter from '@gitlab-id-token/koa'
import { createRedisKeySetCache, createRedisReplayStore } from '@gitlab-id-token/redis'
import { createMockGitlab } from '@gitlab-id-token/testing'
import type { MockGitlab } from '@gitlab-id-token/testing'
import { startRedisServer } from './support/redis-server.js'
import type { RedisServer } from './support/redis-server.js'

const AUDIENCE = 'https://fleet.example.com'
let redis: RedisServer
let gitlab: MockGitlab
let client: RedisClientType
const closers: (() => Promise<unknown>)[] = []

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.once('listening', resolve))
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(resolve)
      }),
  )
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

beforeAll(async () => {
  redis = await startRedisServer()
  gitlab = await createMockGitlab({ audience: AUDIENCE })
  client = createClient({ url: redis.url, disableOfflineQueue: true })
  client.on('error', () => {})
  await client.connect()
})
afterAll(async () => {
  for (const close of closers) await close()
  client?.destroy()
  await gitlab?.close()
  await redis?.close()
})

describe('adapters with the Redis stores as plain options', () => {
  it('Express, Fastify and Koa share one replay store and one key-set fetch', async () => {
    // Each app builds its own verifier from these options, as three services would.
    const options = () => ({
      issuer: gitlab.issuer,
      audience: AUDIENCE,
      policy: { allow: [{ match: { project_path: 'acme/widget' } }] },
      replay: { store: createRedisReplayStore({ client }) },
      jwks: {
        shared: createRedisKeySetCache({ client, secret: 'adapters secret, 32 bytes or more' }),
      },
    })

    const expressApp = express()
    expressApp.use(expressAdapter.verifyGitlabIdToken(options()))
    expressApp.get('/', (_req, res) => void res.json({ ok: true }))
    expressApp.use(expressAdapter.gitlabIdTokenErrorHandler())
    const expressUrl = await listen(expressApp.listen(0, '127.0.0.1'))

    const fastifyApp = Fastify()
    await fastifyApp.register(fastifyAdapter.verifyGitlabIdToken, options())
    fastifyApp.get('/', async () => ({ ok: true }))
    fastifyApp.setErrorHandler(fastifyAdapter.gitlabIdTokenErrorHandler())
    const fastifyUrl = await fastifyApp.listen({ port: 0, host: '127.0.0.1' })
    closers.push(() => fastifyApp.close())

    const koaApp = new Koa()
    koaApp.use(koaAdapter.gitlabIdTokenErrorHandler())
    koaApp.use(koaAdapter.verifyGitlabIdToken(options()))
    koaApp.use((ctx) => {
      ctx.body = { ok: true }
    })
    const koaUrl = await listen(koaApp.listen(0, '127.0.0.1'))

    const call = async (url: string, token: string) => {
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    }
    const token = gitlab.mint({ project_path: 'acme/widget' })
    expect(await call(expressUrl, token)).toEqual({ status: 200, body: { ok: true } })
    for (const url of [fastifyUrl, koaUrl]) {
      const replayed = await call(url, token)
      expect(replayed.status).toBe(401)
      expect(replayed.body).toMatchObject({ code: 'ERR_TOKEN_REPLAYED' })
    }
    for (const url of [fastifyUrl, koaUrl]) {
      expect((await call(url, gitlab.mint({ project_path: 'acme/widget' }))).status).toBe(200)
    }
    expect(gitlab.requests).toMatchObject({ discovery: 1, jwks: 1 })
  })
})
