/**
 * The deploy API as a Fastify service, configured the twelve-factor way: the verifier's audience,
 * issuer and policy file come from `GITLAB_ID_TOKEN_*` variables (`loadOptionsFromEnv`), the
 * policy from ../policy.yaml. Same answers as examples/deploy-service.
 */

import { fileURLToPath } from 'node:url'
import { GitlabIdTokenError, loadOptionsFromEnv } from '@gitlab-id-token/core'
import { assertGrants } from '@gitlab-id-token/core/adapter'
import { gitlabIdTokenErrorHandler, verifyGitlabIdToken } from '@gitlab-id-token/fastify'
import Fastify, {
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify'

export const DEFAULT_AUDIENCE = 'https://deploy.acme.example'
export const POLICY_FILE = fileURLToPath(new URL('../policy.yaml', import.meta.url))

type Env = Readonly<Record<string, string | undefined>>

export interface FastifyApiOptions {
  /** `GITLAB_ID_TOKEN_AUDIENCE`, `GITLAB_ID_TOKEN_ISSUER`, `GITLAB_ID_TOKEN_POLICY` (default ../policy.yaml). */
  readonly env?: Env
  /** Fastify's logger option (pino); refusals are logged at `warn`. Default `true`. */
  readonly logger?: FastifyServerOptions['logger']
}

export async function createApp(options: FastifyApiOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? true })
  const env = { GITLAB_ID_TOKEN_POLICY: POLICY_FILE, ...(options.env ?? process.env) }
  // With no options the plugin reads process.env itself; this app passes its own env for tests.
  await app.register(verifyGitlabIdToken, {
    ...loadOptionsFromEnv(env),
    // The plugin passes the FastifyRequest: its logger adds Fastify's reqId, which is also the
    // request_id the job receives.
    onDecision: (event, request) => {
      if (event.outcome !== 'refused') return
      const { identity } = event
      ;(request as FastifyRequest).log.warn(
        {
          event: 'deploy.refused',
          request_id: event.requestId,
          code: event.code,
          status: event.status,
          stage: event.stage,
          project_path: identity?.project_path,
          pipeline_id: identity?.pipeline_id,
          job_id: identity?.job_id,
          reasons: event.reasons,
        },
        'deploy refused',
      )
    },
  })

  app.get('/healthz', { config: { gitlabIdToken: false } }, () => ({ status: 'ok' }))

  app.post<{ Params: { environment: string } }>('/deploy/:environment', async (request, reply) => {
    const token = request.gitlabIdToken!
    const { environment } = request.params
    const grant = `deploy:${environment}`
    assertGrants(token, [grant], request) // 403, reported to onDecision with stage 'grants'
    // The grant comes from a rule that pins `environment`; check the claim too, so the route does
    // not depend on every future rule doing so.
    if (token.claims.environment !== environment) {
      const error = new GitlabIdTokenError('ERR_INSUFFICIENT_SCOPE', 'job environment differs', {
        details: { required: [grant], missing: [], rules: token.rules, candidates: [] },
      })
      error.requestId = token.requestId
      throw error
    }
    const { project_path, ref, sha, pipeline_id, job_id } = token.claims
    request.log.info({
      event: 'deploy.queued',
      environment,
      project_path,
      ref,
      pipeline_id,
      job_id,
    })
    return reply
      .code(202)
      .send({ status: 'queued', environment, project_path, ref, sha, grants: token.grants })
  })

  // { error, error_description, code, request_id } instead of Fastify's { statusCode, message }.
  app.setErrorHandler(gitlabIdTokenErrorHandler())
  return app
}

/** Starts the API on 127.0.0.1 (`port: 0` picks a free port). */
export async function start(options: {
  readonly issuer: string
  readonly audience?: string
  readonly port?: number
  readonly host?: string
  readonly logger?: FastifyServerOptions['logger']
}): Promise<{ readonly url: string; close(): Promise<void> }> {
  const app = await createApp({
    env: {
      GITLAB_ID_TOKEN_ISSUER: options.issuer,
      GITLAB_ID_TOKEN_AUDIENCE: options.audience ?? DEFAULT_AUDIENCE,
      GITLAB_ID_TOKEN_POLICY: POLICY_FILE,
    },
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  })
  const url = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' })
  return { url, close: () => app.close() }
}
