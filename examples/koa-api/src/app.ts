/**
 * The deploy API as a Koa service with @koa/router. Same policy and answers as
 * examples/deploy-service.
 */

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { DecisionEvent, IssuerConfig, Verifier } from '@gitlab-id-token/core'
import { assertGrants } from '@gitlab-id-token/core/adapter'
import {
  GitlabIdTokenError,
  gitlabIdTokenErrorHandler,
  verifyGitlabIdToken,
  type GitlabIdTokenState,
} from '@gitlab-id-token/koa'
import Router from '@koa/router'
import Koa from 'koa'
import { deployPolicy } from './policy.js'

export const DEFAULT_AUDIENCE = 'https://deploy.acme.example'

export interface LogEntry {
  readonly event: 'deploy.queued' | 'deploy.refused'
  readonly [field: string]: unknown
}

export interface KoaApiOptions {
  /** The GitLab instance to trust. */
  readonly issuer: string | IssuerConfig
  /** Default {@link DEFAULT_AUDIENCE}. */
  readonly audience?: string
  /** Share a verifier (and its key cache) instead; `issuer`/`audience` are then unused. */
  readonly verifier?: Verifier
  /** Where log lines go. Default: JSON on stdout. */
  readonly log?: (entry: LogEntry) => void
}

/** The refusal log line, from the verifier's decision event: the same fields in every example. */
function refusalEntry(event: DecisionEvent, ctx: Koa.Context | undefined): LogEntry {
  const { identity } = event
  return {
    event: 'deploy.refused',
    request_id: event.requestId,
    code: event.code,
    status: event.status,
    stage: event.stage,
    route: ctx === undefined ? undefined : `${ctx.method} ${ctx.path}`,
    project_path: identity?.project_path,
    pipeline_id: identity?.pipeline_id,
    job_id: identity?.job_id,
    reasons: event.reasons,
  }
}

export function createApp(options: KoaApiOptions): Koa {
  const log = options.log ?? ((entry) => console.log(JSON.stringify(entry)))
  const app = new Koa()
  // Koa's default handler already answers with the right status and headers; this one adds the
  // JSON body a CI script can read, with the request_id the log line below carries too.
  app.use(gitlabIdTokenErrorHandler())
  app.use(
    verifyGitlabIdToken(
      options.verifier === undefined
        ? {
            issuer: options.issuer,
            audience: options.audience ?? DEFAULT_AUDIENCE,
            policy: deployPolicy,
            // The adapter passes Koa's `ctx` as the second argument.
            onDecision: (event, ctx) => {
              if (event.outcome === 'refused') log(refusalEntry(event, ctx as Koa.Context))
            },
          }
        : { verifier: options.verifier },
    ),
  )

  const router = new Router<GitlabIdTokenState>()
  router.post('/deploy/:environment', (ctx) => {
    const token = ctx.state.gitlabIdToken
    const { environment = '' } = ctx.params
    const grant = `deploy:${environment}`
    assertGrants(token, [grant], ctx) // 403, reported to onDecision with stage 'grants'
    // The grant comes from a rule that pins `environment`; check the claim as well.
    if (token.claims.environment !== environment) {
      const error = new GitlabIdTokenError('ERR_INSUFFICIENT_SCOPE', 'job environment differs', {
        details: { required: [grant], missing: [], rules: token.rules, candidates: [] },
      })
      error.requestId = token.requestId
      throw error
    }
    const { project_path, ref, sha, pipeline_id, job_id } = token.claims
    log({ event: 'deploy.queued', environment, project_path, ref, pipeline_id, job_id })
    ctx.status = 202
    ctx.body = { status: 'queued', environment, project_path, ref, sha, grants: token.grants }
  })
  app.use(router.routes()).use(router.allowedMethods())
  return app
}

/** Starts the API (`port: 0` picks a free port). */
export async function start(
  options: KoaApiOptions & { readonly port?: number; readonly host?: string },
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const handle = createApp(options).callback()
  // Koa's handler settles every request itself; the promise only signals completion.
  const server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
