/**
 * The demo's scenario: a mock GitLab and the example deploy services on loopback, the jobs of
 * examples/gitlab-ci.yml run against them in several pipelines, and a few attacks and outages.
 * Every row carries what the example policy promises; `runDemo()` never throws on a mismatch, it
 * reports it in `row.ok`.
 */

import { readFileSync } from 'node:fs'
import { createMockGitlab, type MintForJobContext } from '@gitlab-id-token/testing'
import { readCurlCalls } from './pipeline.js'
import {
  deniedAsPromised,
  DEPLOY,
  DEPLOY_EU,
  expressService,
  fastifyService,
  koaService,
  refusalOf,
  summarizeLog,
  type Service,
} from './services.js'

export const CI_YAML_PATH = new URL('../../gitlab-ci.yml', import.meta.url)

/** What the example policy promises for one call. */
export interface Expectation {
  readonly status: number
  readonly code?: string
  /** Why, in the words of the table. */
  readonly why: string
  /** For a policy denial: the claims that must have failed in the named rule (server log). */
  readonly deniedOn?: { readonly rule: string; readonly claims: readonly string[] }
}

export interface DemoRow {
  readonly job: string
  /** Project and ref the token was minted for (or what the token is). */
  readonly pipeline: string
  readonly variable: string
  /** The token's own `aud`. */
  readonly audience: string
  readonly service: string
  readonly status: number
  readonly code: string | undefined
  readonly retryAfter: string | undefined
  readonly grants: readonly string[]
  readonly expected: Expectation
  /** The refusal as the service logged it (never sent to the job); `undefined` when accepted. */
  readonly serverLog: string | undefined
  readonly ok: boolean
}

const accepted = (grant: string): Expectation => ({ status: 202, why: `accepted: ${grant}` })
const refused = (status: number, code: string, why: string): Expectation => ({ status, code, why })
const denied = (why: string, rule: string, ...claims: string[]): Expectation => ({
  status: 403,
  code: 'ERR_POLICY_DENIED',
  why,
  deniedOn: { rule, claims },
})

function audienceOf(token: string): string {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      aud?: unknown
    }
    return Array.isArray(payload.aud) ? payload.aud.join(', ') : String(payload.aud)
  } catch {
    return '?'
  }
}

export interface DemoOptions {
  /** The pipeline file. Default: examples/gitlab-ci.yml. */
  readonly ciYaml?: string
}

/** Runs every scenario and returns the rows; all servers are closed before it resolves. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoRow[]> {
  const ciYaml = options.ciYaml ?? readFileSync(CI_YAML_PATH, 'utf8')
  const gitlab = await createMockGitlab()
  const services: Service[] = []
  const rows: DemoRow[] = []
  try {
    const deploy = await expressService(gitlab, 'deploy (Express)')
    const deployEu = await fastifyService(gitlab, 'deploy-eu (Fastify)')
    services.push(deploy, deployEu)
    const routes = new Map([
      [DEPLOY, deploy],
      [DEPLOY_EU, deployEu],
    ])

    const call = async (
      row: Pick<DemoRow, 'job' | 'pipeline' | 'variable'>,
      token: string,
      service: Service,
      method: string,
      path: string,
      expected: Expectation,
    ): Promise<DemoRow> => {
      const res = await fetch(`${service.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}` },
      })
      const body = (await res.json().catch(() => ({}))) as {
        code?: string
        grants?: string[]
        request_id?: string
      }
      const refusal = refusalOf(service.takeLog())
      const result: DemoRow = {
        ...row,
        audience: audienceOf(token),
        service: service.name,
        status: res.status,
        code: body.code,
        retryAfter: res.headers.get('retry-after') ?? undefined,
        grants: body.grants ?? [],
        expected,
        serverLog: summarizeLog(refusal),
        ok:
          res.status === expected.status &&
          body.code === expected.code &&
          deniedAsPromised(expected, refusal) &&
          // A refusal's log line carries the request_id the job received, so the two can meet.
          (res.status < 400 || (refusal !== undefined && refusal.request_id === body.request_id)),
      }
      rows.push(result)
      return result
    }

    /** Runs a job's curl lines in order, stopping at the first failure like `--fail-with-body`. */
    const runJob = async (
      job: string,
      pipeline: string,
      context: MintForJobContext,
      expected: readonly Expectation[],
      route: (audienceUrl: string) => Service | undefined = (url) => routes.get(url),
    ): Promise<Record<string, string>> => {
      const tokens = gitlab.mintForJob(ciYaml, job, context)
      const calls = readCurlCalls(ciYaml, job)
      if (calls.length === 0)
        throw new Error(`${job}: no curl call with a Bearer token in its script`)
      for (const [index, curl] of calls.entries()) {
        const url = new URL(curl.url)
        const service = route(url.origin)
        const expectation = expected[index]
        const token = tokens[curl.tokenVariable]
        if (service === undefined || expectation === undefined || token === undefined) {
          throw new Error(`${job}: no service, expectation or token for ${curl.url}`)
        }
        const row = { job, pipeline, variable: curl.tokenVariable }
        const result = await call(row, token, service, curl.method, url.pathname, expectation)
        if (result.status >= 400) break
      }
      return tokens
    }

    const widget = { project_path: 'acme/widget', project_id: '4242' }
    await runJob(
      'deploy-staging',
      'acme/api @ feature/login',
      { project_path: 'acme/api', ref: 'feature/login' },
      [accepted('deploy:staging')],
    )
    const production = await runJob(
      'deploy-production',
      'acme/widget @ main',
      { ...widget, ref: 'main' },
      [accepted('deploy:production'), accepted('deploy:production')],
    )
    await runJob('deploy-production', 'acme/widget @ fix/typo', { ...widget, ref: 'fix/typo' }, [
      denied('unprotected branch', 'production-deploy', 'ref_protected'),
    ])
    await runJob(
      'deploy-production',
      'acme/api @ main',
      { project_path: 'acme/api', ref: 'main' },
      [denied('project not allowed', 'production-deploy', 'project_id')],
    )
    await runJob(
      'deploy-staging',
      'mallory/widget @ main',
      { project_path: 'mallory/widget', ref: 'main' },
      [denied('not in the acme group', 'staging-deploy', 'namespace_path')],
    )

    // A service that receives a token could try it against another one: `aud` stops that.
    await call(
      {
        job: 'deploy-production',
        pipeline: 'EU token replayed at deploy',
        variable: 'DEPLOY_EU_TOKEN',
      },
      production.DEPLOY_EU_TOKEN ?? '',
      deploy,
      'POST',
      '/deploy/production',
      refused(401, 'ERR_AUDIENCE_MISMATCH', 'wrong audience'),
    )
    // A leaked token is worth nothing after `exp` (GitLab: the job timeout, 1 h by default).
    const twoHoursAgo = Date.now() - 2 * 3600 * 1000
    const stale = gitlab.mintForJob(ciYaml, 'deploy-staging', {
      project_path: 'acme/api',
      ref: 'main',
      now: twoHoursAgo,
    })
    await call(
      {
        job: 'deploy-staging',
        pipeline: 'acme/api @ main, used 2 h later',
        variable: 'DEPLOY_TOKEN',
      },
      stale.DEPLOY_TOKEN ?? '',
      deploy,
      'POST',
      '/deploy/staging',
      refused(401, 'ERR_TOKEN_EXPIRED', 'expired'),
    )
    // Same issuer, same key set, and an `aud` an attacker may control: still not a CI job token.
    await call(
      { job: '(none)', pipeline: 'GitLab user-login token', variable: '-' },
      gitlab.mintUserToken({ aud: DEPLOY }),
      deploy,
      'POST',
      '/deploy/staging',
      refused(401, 'ERR_NOT_A_CI_TOKEN', 'a GitLab user-login token'),
    )

    // GitLab's key endpoint goes down. The running service keeps its cached keys; a replica that
    // starts now has none and answers 503 + Retry-After, so `curl --retry` waits and tries again.
    gitlab.setKeySetResponse('error')
    const replica = await koaService(gitlab, 'deploy replica (Koa)')
    services.push(replica)
    const outage = 'acme/api @ main, key set down'
    await runJob('deploy-staging', outage, { project_path: 'acme/api', ref: 'main' }, [
      accepted('deploy:staging (cached keys)'),
    ])
    await runJob(
      'deploy-staging',
      outage,
      { project_path: 'acme/api', ref: 'main' },
      [refused(503, 'ERR_JWKS_UNAVAILABLE', 'key set down, nothing cached')],
      (url) => (url === DEPLOY ? replica : undefined),
    )
  } finally {
    for (const service of services) await service.close()
    await gitlab.close()
  }
  return rows
}
