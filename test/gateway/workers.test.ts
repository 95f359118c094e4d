/**
 * The bin: `workers: 2` through node:cluster sharing the ports, SIGHUP reaching every worker, a
 * replay route with the memory store refused when workers > 1 (exit 78), SIGTERM stopping all.
 */

import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort, send } from './support/servers.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
// node --import tsx, not the tsx wrapper: signals must reach the gateway's primary itself.
const NODE = [process.execPath, '--import', 'tsx']
const BIN = join(ROOT, 'packages/gateway/src/bin.ts')
const dir = mkdtempSync(join(tmpdir(), 'gitlab-gw-workers-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const config = (ports: { check: number; admin: number }, extra = ''): string => `
profile: nginx
listen: { host: 127.0.0.1, port: ${ports.check} }
admin: { host: 127.0.0.1, port: ${ports.admin} }
issuer: { issuer: 'http://127.0.0.1:9', jwks: { keys: [] } }
workers: 2
routes:
  - name: api
    match: { path: /api }
    audience: https://api.acme.example
    policy: { allow: [{ match: { project_id: '42' } }] }
${extra}`

describe('gitlab-id-token-gateway bin', () => {
  it('refuses a replay route with the memory store when workers > 1 (exit 78, names the key)', () => {
    const file = join(dir, 'replay.yaml')
    writeFileSync(
      file,
      config({ check: 0, admin: 0 }).replace(
        "project_id: '42' } }] }",
        "project_id: '42' } }] }\n    replay: once",
      ),
    )
    const run = spawnSync(NODE[0] as string, [...NODE.slice(1), BIN, '--config', file], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 15_000,
    })
    expect(run.status).toBe(78)
    expect(run.stderr).toContain('routes[0] (api) has replay: once, but with workers: 2')
  })

  it('runs two workers on shared ports and reloads every one on SIGHUP', async () => {
    const ports = { check: await freePort(), admin: await freePort() }
    const file = join(dir, 'gateway.yaml')
    writeFileSync(file, config(ports))
    const child = spawn(NODE[0] as string, [...NODE.slice(1), BIN, '--config', file], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (c: Buffer) => (output += c.toString()))
    child.stderr.on('data', (c: Buffer) => (output += c.toString()))
    try {
      for (let i = 0; i < 100 && (output.match(/gateway listening/g) ?? []).length < 2; i += 1)
        await new Promise((r) => setTimeout(r, 100))
      const pids = new Set(
        [...output.matchAll(/"pid":(\d+)[^\n]*gateway listening/g)].map((m) => m[1]),
      )
      expect(pids.size).toBe(2)
      expect((await send(ports.admin, { path: '/healthz' })).status).toBe(200)
      // The primary serves admin for the fleet: six checks (round-robin over two workers) are
      // six in /metrics, whichever worker took each, and /readyz names both workers.
      for (let i = 0; i < 6; i += 1) {
        const refused = await send(ports.check, {
          path: '/check',
          headers: {
            'x-original-method': 'GET',
            'x-original-host': 'a.example',
            'x-original-uri': '/api',
          },
        })
        expect(refused.status).toBe(401)
      }
      const metrics = await send(ports.admin, { path: '/metrics' })
      expect(metrics.status).toBe(200)
      expect(metrics.headers['cache-control']).toBe('no-store')
      expect(metrics.body).toContain(
        'gitlab_gw_decisions_total{route="api",outcome="refused",code="ERR_TOKEN_MISSING"} 6',
      )
      expect(metrics.body).toContain('gitlab_gw_check_seconds_count 6')
      expect(metrics.body).toContain('gitlab_gw_workers{state="answered"} 2')
      expect(metrics.body).toContain('gitlab_gw_config_generation 1')
      const ready = await send(ports.admin, { path: '/readyz' })
      const readiness = JSON.parse(ready.body)
      expect(readiness.expected).toBe(2)
      expect(readiness.workers).toHaveLength(2)
      expect(readiness.workers.every((w: { answered: boolean }) => w.answered)).toBe(true)
      expect(ready.status).toBe(readiness.ready ? 200 : 503)
      writeFileSync(file, config(ports).replace('path: /api', 'path: /v2'))
      child.kill('SIGHUP')
      for (let i = 0; i < 100 && (output.match(/configuration reloaded/g) ?? []).length < 2; i += 1)
        await new Promise((r) => setTimeout(r, 100))
      expect((output.match(/configuration reloaded/g) ?? []).length).toBe(2)
      const answer = await send(ports.check, {
        path: '/check',
        headers: {
          'x-original-method': 'GET',
          'x-original-host': 'a.example',
          'x-original-uri': '/api',
        },
      })
      expect(JSON.parse(answer.body).code).toBe('ERR_ROUTE_NOT_FOUND')
    } finally {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    }
  }, 20_000)
})
