/**
 * The gateway side of the CLI: `explain --config` (which route and why the others not), `lint` of
 * a gateway config, and `serve` as a subprocess.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { gatewayConfig } from './fixtures/gateway-config.js'
import { cli, ROOT, startCli } from './support.js'

// serve starts a real subprocess (~0.3 s of TypeScript loading, more on a busy machine).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 })

const AUD = 'https://deploy.acme.example'
let gitlab: MockGitlab
let dir: string
let config: string

beforeAll(async () => {
  gitlab = await createMockGitlab()
  dir = await mkdtemp(join(tmpdir(), 'gitlab-id-token-gateway-'))
  config = join(dir, 'gateway.yaml')
  await writeFile(
    config,
    gatewayConfig(gitlab.issuer, [
      {
        name: 'status',
        path: '/status',
        methods: ['GET'],
        policy:
          "{ allow: [{ name: acme, match: { namespace_path: [acme, { glob: 'acme/**' }] }, grants: [read] }] }",
      },
      {
        name: 'deploy-production',
        path: '/deploy/production',
        methods: ['POST'],
        policy: join(ROOT, 'examples/fastify-api/policy.yaml'),
        requireGrants: ['deploy:production'],
      },
    ]),
  )
})
afterAll(async () => {
  await Promise.all([gitlab.close(), rm(dir, { recursive: true, force: true })])
})

describe('explain --config', () => {
  it('names the matching route, why the others did not match, and applies its policy and grants', async () => {
    const token = gitlab.mint({
      project_path: 'acme/widget',
      project_id: '4242',
      ref: 'fix/typo',
      environment: 'production',
      aud: AUD,
    })
    const explain = (method: string, url: string, json = true) =>
      cli(
        [
          'explain',
          '-',
          '--config',
          config,
          '--method',
          method,
          '--url',
          url,
          ...(json ? ['--json'] : []),
        ],
        { stdin: token },
      )
    const [denied, human, missing] = await Promise.all([
      explain('POST', 'https://deploy.acme.example/deploy/production'),
      explain('POST', 'https://deploy.acme.example/deploy/production', false),
      explain('DELETE', 'https://deploy.acme.example/deploy/production'),
    ])
    expect(denied.code).toBe(2)
    expect(denied.json()).toMatchObject({
      code: 'ERR_POLICY_DENIED',
      verified: true,
      route: {
        matched: 'deploy-production',
        routes: [
          { route: 'status', matched: false, why: 'path /deploy/production is not under /status' },
          { route: 'deploy-production', matched: true },
        ],
      },
    })
    expect(denied.json().checks.find((c: any) => c.name === 'grants')).toMatchObject({
      status: 'skip',
    })
    expect(human.stdout).toMatch(
      /✓ route deploy-production \(routes\[1\]\) for POST deploy\.acme\.example\/deploy\/production, requires deploy:production/,
    )
    expect(human.stdout).toMatch(
      /production-deploy +allow +✗ no match +ref_protected +true +"false"/,
    )
    expect(missing.code).toBe(2)
    expect(missing.json()).toMatchObject({ code: 'ERR_ROUTE_NOT_FOUND', route: { matched: null } })
    expect(missing.json().route.routes[1].why).toBe('method DELETE is not one of POST')
  })
})

describe('lint of a gateway config', () => {
  it('finds empty identity headers, shadowed routes, replay without a store, and route policy smells', async () => {
    const [run, header, shadowed] = await Promise.all([
      cli(['lint', join(ROOT, 'test/cli/fixtures/smells.gateway.yaml'), '--json']),
      cli(['lint', join(ROOT, 'test/cli/fixtures/empty-header.gateway.yaml'), '--json']),
      cli(['lint', join(ROOT, 'test/cli/fixtures/shadowed.gateway.yaml'), '--json']),
    ])
    expect([shadowed.code, shadowed.json().findings]).toEqual([
      1,
      [
        expect.objectContaining({
          severity: 'error',
          check: 'shadowed-route',
          message: expect.stringMatching(/routes\[1\] \(deploy-production\) is shadowed/),
        }),
      ],
    ])
    expect(run.code).toBe(0)
    expect([header.code, header.json().findings]).toEqual([
      1,
      [
        expect.objectContaining({
          severity: 'error',
          check: 'identity-header-empty',
          at: 'identityHeaders.X-Gitlab-Environment',
        }),
      ],
    ])
    expect(run.json().kind).toBe('gateway')
    const found = run.json().findings.map((f: any) => `${f.check} ${f.at}`)
    expect(found).toEqual(
      expect.arrayContaining([
        'replay-without-store routes[0] ("deploy")',
        'path-pin routes[0] ("deploy") allow[0] ("widget")',
      ]),
    )
    const clean = await cli(['lint', config])
    expect([clean.code, clean.stdout]).toEqual([0, expect.stringContaining('gateway is clean')])
  })
})

describe('serve', () => {
  it('runs the gateway from a config until SIGTERM', async () => {
    const child = startCli(['serve', '--config', config])
    try {
      const admin = await new Promise<string>((resolve, reject) => {
        let err = ''
        child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
          err += chunk
          const found = /admin (http:\/\/\S+?);/.exec(err)
          if (found !== null) resolve(found[1]!)
        })
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)))
      })
      const health = await fetch(`${admin}/healthz`)
      expect(health.status).toBe(200)
    } finally {
      child.kill('SIGTERM')
    }
    const code =
      child.exitCode ??
      (await new Promise<number | null>((resolve) => child.on('exit', (exit) => resolve(exit))))
    expect(code).toBe(0)
  }, 60_000)
})
