/**
 * `replay: { store: redis, url }` in a gateway configuration, with no code of the user's: the
 * gateway finds createGatewayReplayStore in @gitlab-id-token/redis. Two gateways on one Redis
 * accept a token once between them.
 */

import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseGatewayConfig, startGateway } from '@gitlab-id-token/gateway'
import type { RunningGateway } from '@gitlab-id-token/gateway'
import { createMockGitlab } from '@gitlab-id-token/testing'
import type { MockGitlab } from '@gitlab-id-token/testing'
import { startRedisServer } from './support/redis-server.js'
import type { RedisServer } from './support/redis-server.js'

const AUDIENCE = 'https://api.acme.example'
const HOST = 'api.acme.example'
let redis: RedisServer
let gitlab: MockGitlab
const gateways: RunningGateway[] = []

function check(gateway: RunningGateway, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(gateway.checkUrl)
    const req = request(
      {
        host: '127.0.0.1',
        port: Number(url.port),
        path: '/check',
        agent: false,
        headers: {
          'x-original-method': 'GET',
          'x-original-host': HOST,
          'x-original-uri': '/api/x',
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => (body += chunk.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.once('error', reject)
    req.end()
  })
}

async function gateway(): Promise<RunningGateway> {
  const config = await parseGatewayConfig({
    profile: 'nginx',
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    issuer: gitlab.issuer,
    replay: { store: 'redis', url: redis.url, timeoutMs: 200 },
    routes: [
      {
        name: 'api',
        match: { host: HOST, path: '/api' },
        audience: AUDIENCE,
        policy: { allow: [{ match: { project_id: '42' } }] },
        replay: 'once',
      },
    ],
  })
  const started = await startGateway(config)
  gateways.push(started)
  return started
}

beforeAll(async () => {
  redis = await startRedisServer()
  gitlab = await createMockGitlab({ audience: AUDIENCE })
})
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()))
  await gitlab?.close()
  await redis?.close()
})

describe('gateway replay: { store: redis }', () => {
  it('accepts a token once across two gateways, and fails closed on a hung Redis', async () => {
    const [a, b] = await Promise.all([gateway(), gateway()])
    const token = gitlab.mint({ aud: AUDIENCE, project_id: '42' })
    expect((await check(a, token)).status).toBe(200)
    const replayed = await check(b, token)
    expect(replayed.status).toBe(401)
    expect(JSON.parse(replayed.body)).toMatchObject({ code: 'ERR_TOKEN_REPLAYED' })

    redis.pause()
    try {
      const hung = await check(a, gitlab.mint({ aud: AUDIENCE, project_id: '42' }))
      expect(hung.status).toBe(503)
      expect(JSON.parse(hung.body)).toMatchObject({ code: 'ERR_REPLAY_UNAVAILABLE' })
    } finally {
      redis.resume()
    }
    expect((await check(b, gitlab.mint({ aud: AUDIENCE, project_id: '42' }))).status).toBe(200)
  })
})
