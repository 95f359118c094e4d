/**
 * The world every gateway suite runs in: two mock GitLab issuers (one whose key set is down from
 * the start), the gateway with the suite's profile, a tap recording what reached the gateway, and
 * the echo app recording what reached the app. All on random loopback ports, in a temp dir.
 */

import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import {
  type GatewayConfig,
  parseGatewayConfig,
  startGateway,
  type ProfileName,
  type RunningGateway,
} from '@gitlab-id-token/gateway'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { send, startEcho, startTap, type Recorder } from './servers.js'

export const AUDIENCE = 'https://deploy.acme.example'
export const HOST = 'deploy.acme.example'

export interface Environment {
  readonly dir: string
  readonly gitlab: MockGitlab
  /** An issuer whose discovery and key set answer 500 from the start. */
  readonly downIssuer: MockGitlab
  readonly gateway: RunningGateway
  /** The configuration the gateway started with (for reloads). */
  readonly config: GatewayConfig
  readonly gatewayPort: number
  /** What reached the gateway's check port. */
  readonly tap: Recorder
  /** What reached the app. */
  readonly app: Recorder
  readonly logs: Record<string, unknown>[]
  /** A CI token of project 42 for the deploy audience (overrides merged). */
  token(overrides?: Record<string, unknown>): string
  close(): Promise<void>
}

/** The gateway configuration document of the suites (the routes the rows exercise). */
export function gatewayDocument(
  profile: ProfileName,
  issuers: { ok: string; down: string },
  keyFile: string,
): object {
  const pin = (project: string, grants: string[]): object => ({
    match: { iss: issuers.ok, project_id: project },
    grants,
  })
  return {
    profile,
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    issuer: [issuers.ok, issuers.down],
    jwks: { cooldown: 1 },
    assertion: { keyFile, ttl: 30, issuer: 'gitlab-id-token-gateway' },
    routes: [
      {
        name: 'admin',
        match: { host: HOST, path: '/admin' },
        audience: AUDIENCE,
        policy: { allow: [pin('42', ['admin'])] },
        requireGrants: ['admin'],
      },
      {
        name: 'deploy',
        match: { host: HOST, path: '/deploy', methods: ['POST'] },
        audience: AUDIENCE,
        policy: { allow: [pin('42', ['deploy:production'])] },
        requireGrants: ['deploy:production'],
      },
      {
        name: 'public',
        match: { host: HOST, path: '/public' },
        audience: AUDIENCE,
        policy: { allow: [pin('42', ['read']), pin('43', ['read'])] },
      },
      {
        name: 'needs-grant',
        match: { host: HOST, path: '/needs-grant' },
        audience: AUDIENCE,
        policy: { allow: [pin('42', ['read'])] },
        requireGrants: ['write'],
      },
      {
        name: 'keys-down',
        match: { host: HOST, path: '/keys-down' },
        audience: AUDIENCE,
        policy: { allow: [{ match: { iss: issuers.down, project_id: '42' }, grants: ['read'] }] },
      },
    ],
  }
}

/** Starts the mock issuers, the gateway (profile `profile`), the tap and the app. */
export async function startEnvironment(profile: ProfileName): Promise<Environment> {
  const dir = mkdtempSync(join(tmpdir(), `gitlab-gw-${profile}-`))
  const [gitlab, downIssuer, app] = await Promise.all([
    createMockGitlab(),
    createMockGitlab(),
    startEcho(),
  ])
  downIssuer.setKeySetResponse('error')
  downIssuer.setDiscoveryResponse('error')
  const keyFile = join(dir, 'assertion.key')
  writeFileSync(
    keyFile,
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
  )
  const config = await parseGatewayConfig(
    gatewayDocument(profile, { ok: gitlab.issuer, down: downIssuer.issuer }, keyFile),
    { source: '<inline>', baseDir: dir },
  )
  const logs: Record<string, unknown>[] = []
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  const gateway = await startGateway(config, { logDestination, warmTimeoutMs: 2000 })
  const gatewayPort = Number(new URL(gateway.checkUrl).port)
  // One allowed check straight to the gateway before any proxy starts: under vitest the first
  // verify still loads and compiles lazily imported modules, which can outlast Envoy's 0.5 s
  // check timeout on a loaded two-core runner (a built gateway starts warm enough).
  const original =
    profile === 'nginx'
      ? { 'x-original-method': 'GET', 'x-original-host': HOST, 'x-original-uri': '/public/warm' }
      : { 'x-forwarded-method': 'GET', 'x-forwarded-host': HOST, 'x-forwarded-uri': '/public/warm' }
  const warm = await send(gatewayPort, {
    path: profile === 'envoy' ? '/check/public/warm' : '/check',
    headers: {
      host: HOST,
      ...(profile === 'envoy' ? {} : original),
      authorization: `Bearer ${gitlab.mint({ aud: AUDIENCE, project_id: '42' })}`,
    },
  })
  if (warm.status !== 200) throw new Error(`gateway warm-up check answered ${warm.status}`)
  const tap = await startTap(() => gatewayPort)
  let closed = false
  return {
    dir,
    gitlab,
    downIssuer,
    gateway,
    config,
    gatewayPort,
    tap,
    app,
    logs,
    token: (overrides = {}) => gitlab.mint({ aud: AUDIENCE, project_id: '42', ...overrides }),
    async close() {
      if (closed) return
      closed = true
      await Promise.allSettled([
        gateway.close(),
        tap.close(),
        app.close(),
        gitlab.close(),
        downIssuer.close(),
      ])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
