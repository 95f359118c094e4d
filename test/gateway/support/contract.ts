/**
 * The one contract every proxy profile must pass, row by row from issue 13 ("Tests"). Each suite
 * file starts its proxy (real binary or contract emulator) from the shipped example config and
 * hands this function a way to reach it.
 */

import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createGatewayAssertionVerifier } from '@gitlab-id-token/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AUDIENCE, HOST, startEnvironment, type Environment } from './environment.js'
import { send, type Answer } from './servers.js'
import type { ProfileName } from '@gitlab-id-token/gateway'

export interface ProxyUnderTest {
  /** The proxy's listening port. */
  readonly port: number
  stop(): Promise<void>
}

export interface ContractQuirks {
  /** The proxy answers 401 with its own body (nginx drops the auth body, finding 3). */
  readonly ownBodyOn401?: boolean
  /** Status when the gateway is unreachable (never 2xx). */
  readonly gatewayDown: number
  /** Whether a 503 keeps the gateway's Retry-After (Envoy's status_on_error drops it). */
  readonly retryAfterOn503: boolean
  /** Whether 403 carries WWW-Authenticate. */
  readonly challengeOn403: boolean
  /**
   * A client-sent `X-Gitlab-*` header the gateway never sets reaches the app (nginx core has no
   * wildcard header clear; examples/gateway/README.md documents it and the headers-more line).
   */
  readonly unsetIdentityHeadersPass?: boolean
}

const IDENTITY = [
  'x-gitlab-project-id',
  'x-gitlab-project-path',
  'x-gitlab-ref',
  'x-gitlab-pipeline-id',
  'x-gitlab-job-id',
  'x-gitlab-grants',
  'x-gitlab-route',
  'x-gitlab-assertion',
]

function expectNoIdentity(answer: Answer): void {
  for (const name of IDENTITY) expect(answer.headers[name], name).toBeUndefined()
}

/** Registers the contract suite for one proxy. */
export function gatewayContract(
  name: string,
  profile: ProfileName,
  startProxy: (env: Environment) => Promise<ProxyUnderTest>,
  quirks: ContractQuirks,
): void {
  describe(`gateway contract through ${name}`, () => {
    let env: Environment
    let proxy: ProxyUnderTest
    const call = (options: {
      method?: string
      path: string
      token?: string
      host?: string
      headers?: Record<string, string>
      body?: Buffer | string
    }): Promise<Answer> =>
      send(proxy.port, {
        method: options.method ?? 'GET',
        path: options.path,
        headers: {
          host: options.host ?? HOST,
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
          ...(options.body === undefined ? {} : { 'content-type': 'application/octet-stream' }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: options.body }),
      })
    const lastAppRequest = () => env.app.requests.at(-1)

    beforeAll(async () => {
      env = await startEnvironment(profile)
      proxy = await startProxy(env)
    }, 30_000)
    afterAll(async () => {
      await proxy?.stop()
      await env?.close()
    })

    it('valid token: the app sees the identity headers and a valid assertion, never Authorization', async () => {
      const before = env.app.requests.length
      const answer = await call({
        method: 'POST',
        path: '/deploy/production?force=1',
        token: env.token(),
        body: 'go',
      })
      expect(answer.status).toBe(200)
      expect(JSON.parse(answer.body)).toEqual({ app: true })
      expectNoIdentity(answer)
      expect(env.app.requests.length).toBe(before + 1)
      const seen = lastAppRequest()?.headers ?? {}
      expect(seen['x-gitlab-project-id']).toBe('42')
      expect(seen['x-gitlab-route']).toBe('deploy')
      expect(seen['x-gitlab-grants']).toBe('deploy:production')
      expect(seen.authorization).toBeUndefined()
      expect(lastAppRequest()?.method).toBe('POST')
      expect(lastAppRequest()?.url).toBe('/deploy/production?force=1')
      const assertions = createGatewayAssertionVerifier({
        jwksUri: `${env.gateway.adminUrl}/jwks.json`,
        issuer: 'gitlab-id-token-gateway',
        audience: AUDIENCE,
      })
      const assertion = await assertions.verify(seen['x-gitlab-assertion'])
      expect(assertion).toMatchObject({
        route: 'deploy',
        grants: ['deploy:production'],
        claims: { project_id: '42' },
      })
    })

    it('client-forged X-Gitlab-* headers never reach the app', async () => {
      const answer = await call({
        method: 'POST',
        path: '/deploy/production',
        token: env.token(),
        headers: {
          'x-gitlab-project-id': '666',
          'x-gitlab-grants': 'admin',
          'x-gitlab-route': 'admin',
          'x-gitlab-assertion': 'forged',
        },
      })
      expect(answer.status).toBe(200)
      const seen = lastAppRequest()?.headers ?? {}
      expect(seen['x-gitlab-project-id']).toBe('42')
      expect(seen['x-gitlab-grants']).toBe('deploy:production')
      expect(seen['x-gitlab-route']).toBe('deploy')
      expect(seen['x-gitlab-assertion']).not.toBe('forged')
    })

    it('a client-sent X-Gitlab-* header the gateway never sets is removed where the proxy can', async () => {
      const answer = await call({
        method: 'POST',
        path: '/deploy/production',
        token: env.token(),
        headers: { 'x-gitlab-unconfigured': 'forged', 'x-gitlab-project-id': '666' },
      })
      expect(answer.status).toBe(200)
      const seen = lastAppRequest()?.headers ?? {}
      expect(seen['x-gitlab-project-id']).toBe('42')
      if (quirks.unsetIdentityHeadersPass === true)
        expect(seen['x-gitlab-unconfigured']).toBe('forged')
      else expect(seen['x-gitlab-unconfigured']).toBeUndefined()
    })

    const forged = {
      'x-original-uri': '/public',
      'x-original-method': 'GET',
      'x-original-host': HOST,
      'x-forwarded-uri': '/public',
      'x-forwarded-method': 'GET',
      'x-forwarded-host': HOST,
      'x-forwarded-prefix': '/public',
      forwarded: `host=${HOST};proto=http;path=/public`,
    }

    it('forged X-Original-* / X-Forwarded-* / Forwarded cannot move a request to another route', async () => {
      const other = env.token({ project_id: '43' })
      const before = env.app.requests.length
      const admin = await call({ path: '/admin/users', token: other, headers: forged })
      expect(admin.status).toBe(403)
      expectNoIdentity(admin)
      expect(env.app.requests.length).toBe(before)
      // The reverse: the real request is public, the forged headers claim admin; public decides.
      const pub = await call({
        path: '/public/x',
        token: other,
        headers: { ...forged, 'x-original-uri': '/admin', 'x-forwarded-uri': '/admin' },
      })
      expect(pub.status).toBe(200)
      expect(lastAppRequest()?.headers['x-gitlab-route']).toBe('public')
    })

    it('no token, expired, wrong audience and user-login tokens are 401 with a challenge', async () => {
      const now = Date.now()
      const cases: [string, string | undefined, string | undefined][] = [
        ['none', undefined, undefined],
        [
          'expired',
          env.gitlab.mint(
            { aud: AUDIENCE, project_id: '42' },
            { now: now - 7_200_000, expiresIn: 60 },
          ),
          'ERR_TOKEN_EXPIRED',
        ],
        [
          'wrong aud',
          env.gitlab.mint({ aud: 'https://other.example', project_id: '42' }),
          'ERR_AUDIENCE_MISMATCH',
        ],
        ['user login', env.gitlab.mintUserToken({ aud: AUDIENCE }), undefined],
      ]
      for (const [label, token, code] of cases) {
        const answer = await call({ path: '/public/x', ...(token === undefined ? {} : { token }) })
        expect(answer.status, label).toBe(401)
        expect(answer.headers['www-authenticate'], label).toMatch(/^Bearer realm="gitlab-id-token"/)
        expect(answer.headers['cache-control'], label).toBe('no-store')
        expectNoIdentity(answer)
        if (code !== undefined && quirks.ownBodyOn401 !== true)
          expect(JSON.parse(answer.body).code, label).toBe(code)
      }
      const none = await call({ path: '/public/x' })
      expect(none.headers['www-authenticate']).toBe('Bearer realm="gitlab-id-token"')
      const expired = await call({
        path: '/public/x',
        token: env.gitlab.mint(
          { aud: AUDIENCE, project_id: '42' },
          { now: now - 7_200_000, expiresIn: 60 },
        ),
      })
      expect(expired.headers['www-authenticate']).toContain('error="invalid_token"')
    })

    it('another project or a missing grant is 403, with no identity headers', async () => {
      const other = await call({ path: '/public/x', token: env.token({ project_id: '44' }) })
      expect(other.status).toBe(403)
      expectNoIdentity(other)
      const grant = await call({ path: '/needs-grant', token: env.token() })
      expect(grant.status).toBe(403)
      expectNoIdentity(grant)
      for (const answer of [other, grant]) expect(answer.headers['cache-control']).toBe('no-store')
      if (quirks.challengeOn403) {
        expect(other.headers['www-authenticate']).toContain('error="insufficient_scope"')
        expect(grant.headers['www-authenticate']).toContain('error="insufficient_scope"')
      }
      const logged = env.logs.filter(
        (l) => l.msg === 'check' && l.code === 'ERR_INSUFFICIENT_SCOPE',
      )
      expect(logged.length).toBeGreaterThan(0)
      expect(JSON.stringify(env.logs)).not.toContain(env.token().split('.')[2])
    })

    it('key set down is 503 (with Retry-After where the proxy keeps it), never 2xx or 401', async () => {
      const token = env.downIssuer.mint({ aud: AUDIENCE, project_id: '42' })
      const answer = await call({ path: '/keys-down', token })
      expect(answer.status).toBe(503)
      expectNoIdentity(answer)
      // Envoy answers its own status_on_error reply, without the gateway's headers.
      if (quirks.retryAfterOn503) {
        expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0)
        expect(answer.headers['cache-control']).toBe('no-store')
      }
    })

    it('a 1 MiB POST body reaches the app intact and never the gateway', async () => {
      const body = Buffer.alloc(1024 * 1024, 7)
      for (let i = 0; i < body.length; i += 4096) body[i] = i % 251
      const tapBefore = env.tap.requests.length
      const answer = await call({ method: 'POST', path: '/deploy/big', token: env.token(), body })
      expect(answer.status).toBe(200)
      const seen = lastAppRequest()
      expect(seen?.bodyBytes).toBe(body.length)
      expect(seen?.bodySha256).toBe(createHash('sha256').update(body).digest('hex'))
      const checks = env.tap.requests.slice(tapBefore)
      expect(checks.length).toBeGreaterThan(0)
      for (const check of checks) expect(check.bodyBytes).toBe(0)
    })

    it('path and host tricks never reach another route', async () => {
      const other = env.token({ project_id: '43' })
      for (const path of [
        '/public/../admin',
        '/public/%2e%2e/admin',
        '/%2e%2e/admin',
        '//admin',
        '/admin%2Fx',
        '/public%2F..%2Fadmin',
      ]) {
        const answer = await call({ path, token: other })
        expect([400, 403, 404], path).toContain(answer.status)
        expectNoIdentity(answer)
      }
      const before = env.app.requests.length
      const deployer = await call({ method: 'POST', path: '/deployer', token: env.token() })
      expect(deployer.status).toBe(403)
      expect(env.app.requests.length).toBe(before)
      for (const host of ['DEPLOY.Acme.Example', `${HOST}.`]) {
        const answer = await call({ method: 'POST', path: '/deploy/x', token: env.token(), host })
        expect(answer.status, host).toBe(200)
      }
      const elsewhere = await call({
        method: 'POST',
        path: '/deploy/x',
        token: env.token(),
        host: 'evil.example',
      })
      expect(elsewhere.status).toBe(403)
    })

    it('reloads a valid and an invalid file under load without failing a check', async () => {
      const token = env.token()
      const before = env.gateway.generation()
      const bad = join(env.dir, 'bad.yaml')
      writeFileSync(bad, 'profile: apache\nroutes: []\n')
      const statuses: number[] = []
      const load = (async () => {
        for (let i = 0; i < 30; i += 1)
          statuses.push((await call({ method: 'POST', path: '/deploy/x', token })).status)
      })()
      const valid = await env.gateway.reload(env.config)
      const invalid = await env.gateway.reload(bad)
      await load
      expect(valid.ok).toBe(true)
      expect(invalid.ok).toBe(false)
      expect(env.gateway.generation()).toBe(before + 1)
      expect(statuses).toEqual(Array.from({ length: 30 }, () => 200))
      expect(env.gateway.metrics.reloads.get({ result: 'error' })).toBeGreaterThan(0)
    })

    it('the gateway down is never a 2xx', async () => {
      await env.gateway.close()
      const before = env.app.requests.length
      for (const path of ['/public/x', '/deploy/x']) {
        const answer = await call({ method: 'POST', path, token: env.token() })
        expect(answer.status, path).toBe(quirks.gatewayDown)
      }
      expect(env.app.requests.length).toBe(before)
    })
  })
}
