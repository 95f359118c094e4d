/**
 * The gateway on its own (no proxy): readiness before and after keys load, reload valid and
 * invalid under bounded load, replay, misconfigured proxies, the admin port and the decision log.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import {
  loadGatewayConfig,
  parseGatewayConfig,
  registerReplayStore,
  startGateway,
  type RunningGateway,
} from '@gitlab-id-token/gateway'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from './support/servers.js'

const AUDIENCE = 'https://api.acme.example'
const HOST = 'api.acme.example'

let gitlab: MockGitlab
let dir: string
const logs: Record<string, unknown>[] = []
const logDestination = new Writable({
  write(chunk: Buffer, _e, done) {
    for (const line of chunk.toString().split('\n'))
      if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>)
    done()
  },
})

function yamlConfig(
  options: { project?: string; replay?: boolean; extraRoute?: boolean } = {},
): string {
  return `
profile: nginx
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
issuer: ${gitlab.issuer}
jwks: { cooldown: 1 }
routes:
  - name: api
    match: { host: ${HOST}, path: /api }
    audience: ${AUDIENCE}
    policy: ./policy.yaml
${options.replay === true ? '    replay: once\n' : ''}${
    options.extraRoute === true
      ? `  - name: extra
    match: { host: ${HOST}, path: /extra }
    audience: ${AUDIENCE}
    policy: { allow: [{ match: { project_id: '${options.project ?? '42'}' } }] }
`
      : ''
  }`
}

function writeConfig(name: string, text: string, project = '42'): string {
  writeFileSync(
    join(dir, 'policy.yaml'),
    `allow:\n  - name: p${project}\n    match: { project_id: '${project}' }\n    grants: [read]\n`,
  )
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}

const check = (
  gateway: RunningGateway,
  token: string | undefined,
  headers: Record<string, string> = {},
) =>
  send(Number(new URL(gateway.checkUrl).port), {
    path: '/check',
    headers: {
      'x-original-method': 'GET',
      'x-original-host': HOST,
      'x-original-uri': '/api/x',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
  })
const admin = (gateway: RunningGateway, path: string) =>
  send(Number(new URL(gateway.adminUrl).port), { path })

beforeAll(async () => {
  gitlab = await createMockGitlab()
  dir = mkdtempSync(join(tmpdir(), 'gitlab-gw-service-'))
})
afterAll(async () => {
  await gitlab.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('readiness', () => {
  it('is 503 until the key set loads, then 200; healthz is always 200', async () => {
    gitlab.setDiscoveryResponse('error')
    const gateway = await startGateway(
      await loadGatewayConfig(writeConfig('ready.yaml', yamlConfig())),
      { logDestination, warmTimeoutMs: 500 },
    )
    try {
      expect((await admin(gateway, '/healthz')).status).toBe(200)
      const before = await admin(gateway, '/readyz')
      expect(before.status).toBe(503)
      expect(JSON.parse(before.body)).toMatchObject({
        ready: false,
        keySets: [{ issuer: gitlab.issuer, usable: false }],
      })
      const refused = await check(gateway, gitlab.mint({ aud: AUDIENCE, project_id: '42' }))
      expect(refused.status).toBe(503)
      expect(refused.headers['retry-after']).toBeDefined()
      gitlab.setDiscoveryResponse('ok')
      let ready = 503
      for (let i = 0; i < 40 && ready !== 200; i += 1) {
        await new Promise((r) => setTimeout(r, 100))
        ready = (await admin(gateway, '/readyz')).status
      }
      expect(ready).toBe(200)
      expect((await check(gateway, gitlab.mint({ aud: AUDIENCE, project_id: '42' }))).status).toBe(
        200,
      )
    } finally {
      gitlab.setDiscoveryResponse('ok')
      await gateway.close()
    }
  })
})

describe('readiness with a replay store', () => {
  it('is 503 while the store a replay route needs does not answer; replay errors are 503', async () => {
    let up = false
    // This file's worker only: stands in for @gitlab-id-token/redis.
    registerReplayStore('redis', () => ({
      shared: true,
      ready: () => up,
      store: {
        remember: () => {
          if (!up) throw new Error('connection refused')
          return true
        },
      },
    }))
    const config = await parseGatewayConfig({
      profile: 'nginx',
      listen: { host: '127.0.0.1', port: 0 },
      admin: { host: '127.0.0.1', port: 0 },
      issuer: gitlab.issuer,
      workers: 2,
      replay: { store: 'redis', url: 'redis://127.0.0.1:1' },
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
    const gateway = await startGateway(config, { logDestination })
    try {
      const down = await admin(gateway, '/readyz')
      expect(down.status).toBe(503)
      expect(JSON.parse(down.body)).toMatchObject({ ready: false, replayStore: false })
      const refused = await check(gateway, gitlab.mint({ aud: AUDIENCE, project_id: '42' }))
      expect(refused.status).toBe(503)
      expect(JSON.parse(refused.body).code).toBe('ERR_REPLAY_UNAVAILABLE')
      expect(refused.headers['retry-after']).toBeDefined()
      expect((await admin(gateway, '/metrics')).body).toMatch(
        /gitlab_gw_replay_store_errors_total\{reason="[a-z-]+"\} 1/,
      )
      up = true
      expect((await admin(gateway, '/readyz')).status).toBe(200)
      expect((await check(gateway, gitlab.mint({ aud: AUDIENCE, project_id: '42' }))).status).toBe(
        200,
      )
    } finally {
      await gateway.close()
    }
  })
})

describe('reload', () => {
  it('applies a valid file and refuses an invalid one under bounded load, never failing a check', async () => {
    const file = writeConfig('reload.yaml', yamlConfig())
    const gateway = await startGateway(await loadGatewayConfig(file), { logDestination })
    try {
      const token = gitlab.mint({ aud: AUDIENCE, project_id: '42' })
      let stop = false
      const statuses: number[] = []
      const load = (async () => {
        for (let i = 0; i < 400 && !stop; i += 1) {
          const batch = await Promise.all(Array.from({ length: 4 }, () => check(gateway, token)))
          statuses.push(...batch.map((a) => a.status))
        }
      })()
      writeConfig('reload.yaml', yamlConfig({ extraRoute: true }))
      expect(await gateway.reload()).toEqual({ ok: true, generation: 2 })
      writeFileSync(file, 'profile: nginx\nroutes: [ { name: broken } ]\n')
      const refused = await gateway.reload()
      expect(refused.ok).toBe(false)
      expect(refused.ok === false && refused.error.message).toMatch(
        /routes\[0\]\.match is required/,
      )
      expect(gateway.generation()).toBe(2)
      stop = true
      await load
      expect(statuses.length).toBeGreaterThan(0)
      expect(new Set(statuses)).toEqual(new Set([200]))
      const metrics = (await admin(gateway, '/metrics')).body
      expect(metrics).toContain('gitlab_gw_config_reloads_total{result="ok"} 1')
      expect(metrics).toContain('gitlab_gw_config_reloads_total{result="error"} 1')
      expect(metrics).toContain('gitlab_gw_config_generation 2')
      expect(metrics).toMatch(
        /gitlab_gw_decisions_total\{route="api",outcome="allowed",code=""\} \d+/,
      )
      expect(metrics).toContain('gitlab_gw_check_seconds_count')
      expect(
        logs.some((l) => l.msg === 'configuration reload refused; the current configuration stays'),
      ).toBe(true)
      // The new route of generation 2 is live.
      const extra = await check(gateway, token, { 'x-original-uri': '/extra' })
      expect(extra.status).toBe(200)
      expect(extra.headers['x-gitlab-route']).toBe('extra')
    } finally {
      await gateway.close()
    }
  })
})

describe('checks', () => {
  let gateway: RunningGateway
  beforeAll(async () => {
    gateway = await startGateway(
      await loadGatewayConfig(writeConfig('checks.yaml', yamlConfig({ replay: true }))),
      { logDestination },
    )
  })
  afterAll(() => gateway.close())

  it('replay: once accepts a token one time, also across a reload', async () => {
    const token = gitlab.mint({ aud: AUDIENCE, project_id: '42' })
    expect((await check(gateway, token)).status).toBe(200)
    await gateway.reload()
    const second = await check(gateway, token)
    expect(second.status).toBe(401)
    expect(JSON.parse(second.body).code).toBe('ERR_TOKEN_REPLAYED')
  })

  it('a missing source header is 500 ERR_GATEWAY_MISCONFIGURED, logged, never a fallback', async () => {
    const answer = await send(Number(new URL(gateway.checkUrl).port), {
      path: '/check',
      headers: {
        'x-original-method': 'GET',
        'x-original-host': HOST,
        'x-forwarded-uri': '/api/x',
        authorization: `Bearer ${gitlab.mint({ aud: AUDIENCE, project_id: '42' })}`,
      },
    })
    expect(answer.status).toBe(500)
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'ERR_GATEWAY_MISCONFIGURED' })
    expect(answer.headers['x-gitlab-project-id']).toBeUndefined()
    expect(
      logs.some(
        (l) =>
          l.code === 'ERR_GATEWAY_MISCONFIGURED' && String(l.message).includes('x-original-uri'),
      ),
    ).toBe(true)
  })

  it('answers allow as exactly 200 with an empty body and no-store; other paths 404', async () => {
    const answer = await check(gateway, gitlab.mint({ aud: AUDIENCE, project_id: '42' }))
    expect(answer).toMatchObject({ status: 200, body: '' })
    expect(answer.headers['cache-control']).toBe('no-store')
    expect(answer.headers['x-gitlab-project-id']).toBe('42')
    expect(answer.headers['x-gitlab-grants']).toBe('read')
    expect((await send(Number(new URL(gateway.checkUrl).port), { path: '/healthz' })).status).toBe(
      404,
    )
    expect((await admin(gateway, '/check')).status).toBe(404)
  })

  it('an unmatched request is 403 ERR_ROUTE_NOT_FOUND; an encoded slash is 400', async () => {
    const token = gitlab.mint({ aud: AUDIENCE, project_id: '42' })
    const none = await check(gateway, token, { 'x-original-uri': '/other' })
    expect(none.status).toBe(403)
    expect(JSON.parse(none.body).code).toBe('ERR_ROUTE_NOT_FOUND')
    const slash = await check(gateway, token, { 'x-original-uri': '/api%2F..%2Fadmin' })
    expect(slash.status).toBe(400)
    expect(JSON.parse(slash.body).code).toBe('ERR_INVALID_REQUEST')
  })

  it('logs one JSON line per decision with route, outcome, code and identity, never the token', async () => {
    const token = gitlab.mint({ aud: AUDIENCE, project_id: '42', job_id: '777' })
    const before = logs.length
    await check(gateway, token, { 'x-request-id': 'req-123' })
    const lines = logs.slice(before).filter((l) => l.msg === 'check')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      request_id: 'req-123',
      route: 'api',
      outcome: 'allowed',
      status: 200,
      profile: 'nginx',
      identity: { project_id: '42', job_id: '777' },
    })
    expect(typeof lines[0]?.latency_ms).toBe('number')
    for (const part of token.split('.')) expect(JSON.stringify(logs)).not.toContain(part)
    const denied = gitlab.mint({ aud: AUDIENCE, project_id: '43' })
    const mark = logs.length
    expect((await check(gateway, denied)).status).toBe(403)
    const refusal = logs.slice(mark).find((l) => l.msg === 'check')
    expect(refusal).toMatchObject({
      outcome: 'refused',
      status: 403,
      code: 'ERR_POLICY_DENIED',
      identity: { project_id: '43' },
    })
    expect(refusal?.reasons).toEqual([expect.objectContaining({ rule: 'p42' })])
    expect(JSON.stringify(logs)).not.toContain(denied.split('.')[2])
  })
})
