/**
 * examples/gateway: the shipped gateway.yaml loads, and the README's mock stack produces a config
 * and a token the gateway allows on the deploy route (the proxies run in their own suites).
 */

import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { loadGatewayConfig, startGateway } from '@gitlab-id-token/gateway'
import { describe, expect, it } from 'vitest'
import { startMockStack } from '../../examples/gateway/src/mock-stack.js'
import { EXAMPLES, send } from './support/servers.js'

describe('examples/gateway', () => {
  it('gateway.yaml is valid and routes as documented', async () => {
    const config = await loadGatewayConfig(join(EXAMPLES, 'gateway.yaml'))
    expect(config.profile).toBe('nginx')
    expect(config.routes.map((r) => [r.name, r.path, [...(r.methods ?? [])]])).toEqual([
      ['deploy-production', '/deploy/production', ['POST']],
      ['status', '/status', ['GET', 'HEAD']],
    ])
  })

  it('the nginx and Caddy header lists equal gateway.yaml identityHeaders (+ the assertion)', async () => {
    const config = await loadGatewayConfig(join(EXAMPLES, 'gateway.yaml'))
    const expected = [...config.identityHeaders.map((h) => h.name), 'X-Gitlab-Assertion']
      .map((n) => n.toLowerCase())
      .sort()
    const nginx = readFileSync(join(EXAMPLES, 'nginx.conf'), 'utf8')
    const set = [...nginx.matchAll(/^\s*proxy_set_header (X-Gitlab-[\w-]+) \$/gm)].map((m) =>
      (m[1] as string).toLowerCase(),
    )
    const captured = [...nginx.matchAll(/\$upstream_http_(x_gitlab_\w+);/g)].map((m) =>
      (m[1] as string).replaceAll('_', '-'),
    )
    expect(set.sort()).toEqual(expected)
    expect(captured.sort()).toEqual(expected)
    const caddy = readFileSync(join(EXAMPLES, 'Caddyfile'), 'utf8')
    const copied = (/copy_headers (.+)/.exec(caddy)?.[1] ?? '').trim().split(/\s+/)
    expect(copied.map((n) => n.toLowerCase()).sort()).toEqual(expected)
  })

  it('the mock stack writes a config and token the gateway allows', async () => {
    const stack = await startMockStack({ appPort: 0 })
    try {
      const loaded = await loadGatewayConfig(join(EXAMPLES, 'gateway.local.yaml'))
      const gateway = await startGateway(
        {
          ...loaded,
          listen: { host: '127.0.0.1', port: 0 },
          admin: { host: '127.0.0.1', port: 0 },
        },
        { logDestination: { write: () => true } },
      )
      try {
        const token = readFileSync(join(EXAMPLES, '.token'), 'utf8').trim()
        const answer = await send(Number(new URL(gateway.checkUrl).port), {
          path: '/check',
          headers: {
            'x-original-method': 'POST',
            'x-original-host': 'deploy.acme.example',
            'x-original-uri': '/deploy/production',
            authorization: `Bearer ${token}`,
          },
        })
        expect(answer.status).toBe(200)
        expect(answer.headers['x-gitlab-project-id']).toBe('4242')
        expect(answer.headers['x-gitlab-route']).toBe('deploy-production')
      } finally {
        await gateway.close()
      }
    } finally {
      await stack.close()
      rmSync(join(EXAMPLES, 'gateway.local.yaml'), { force: true })
      rmSync(join(EXAMPLES, '.token'), { force: true })
    }
  })
})
