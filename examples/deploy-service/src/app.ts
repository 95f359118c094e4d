/**
 * An internal deploy service (Express): CI jobs `POST /deploy/:environment` with their GitLab ID
 * token. Production is for acme/widget on a protected ref; staging for every project of the acme
 * group; everything else is refused with a JSON reason for the job and the full reason in the
 * server log (never the token).
 */

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { DecisionEvent, IssuerConfig, Verifier, VerifierOptions } from '@gitlab-id-token/core'
import { gitlabIdTokenErrorHandler, verifyGitlabIdToken } from '@gitlab-id-token/express'
import express, { type Express, type Request } from 'express'
import { authorizeDeploy, deployPolicy } from './policy.js'

export const DEFAULT_AUDIENCE = 'https://deploy.acme.example'

/**
 * One structured log line. A refusal carries the job's `request_id` (also in the job's response
 * body), its identity and the core's per-rule reasons; nothing carries a token.
 */
export interface LogEntry {
  readonly event: 'deploy.queued' | 'deploy.refused'
  readonly [field: string]: unknown
}

export interface DeployServiceOptions {
  /** The GitLab instance to trust, e.g. `https://gitlab.com`. */
  readonly issuer: string | IssuerConfig
  /** The `aud` jobs request in `id_tokens:`. Default {@link DEFAULT_AUDIENCE}. */
  readonly audience?: string
  /**
   * Share a verifier (and its key cache) instead of building one; `issuer`/`audience` are then
   * unused, and refusals are logged by that verifier's own `onDecision`.
   */
  readonly verifier?: Verifier
  /** Where log lines go. Default: JSON on stdout. */
  readonly log?: (entry: LogEntry) => void
  /** Passed to the core (tests pin the clock). */
  readonly now?: VerifierOptions['now']
}

/** The refusal log line, from the verifier's decision event (the audit trail of every refusal). */
export function refusalEntry(event: DecisionEvent, req: Request | undefined): LogEntry {
  const { identity } = event
  return {
    event: 'deploy.refused',
    request_id: event.requestId,
    code: event.code,
    status: event.status,
    stage: event.stage,
    route: req === undefined ? undefined : `${req.method} ${req.path}`,
    project_path: identity?.project_path,
    pipeline_id: identity?.pipeline_id,
    job_id: identity?.job_id,
    reasons: event.reasons,
  }
}

export function createApp(options: DeployServiceOptions): Express {
  const log = options.log ?? ((entry) => console.log(JSON.stringify(entry)))
  const app = express()
  app.use(
    verifyGitlabIdToken(
      options.verifier === undefined
        ? {
            issuer: options.issuer,
            audience: options.audience ?? DEFAULT_AUDIENCE,
            policy: deployPolicy,
            // The adapter passes Express's `req` as the second argument.
            onDecision: (event, req) => {
              if (event.outcome === 'refused') log(refusalEntry(event, req as Request | undefined))
            },
            ...(options.now === undefined ? {} : { now: options.now }),
          }
        : { verifier: options.verifier },
    ),
  )

  app.post('/deploy/:environment', (req, res) => {
    // verifyGitlabIdToken ran on every route, so the result is there.
    const token = req.gitlabIdToken!
    const { environment } = req.params
    authorizeDeploy(token, environment, req)
    const { project_path, ref, sha, pipeline_id, job_id } = token.claims
    log({ event: 'deploy.queued', environment, project_path, ref, pipeline_id, job_id })
    res
      .status(202)
      .json({ status: 'queued', environment, project_path, ref, sha, grants: token.grants })
  })

  // Refusals as JSON a CI script can read: { error, error_description, code, request_id }.
  // Express's own handler would send an HTML page with the stack trace.
  app.use(gitlabIdTokenErrorHandler())
  return app
}

export interface RunningService {
  readonly url: string
  readonly server: Server
  close(): Promise<void>
}

/** Starts the service; `port: 0` picks a free port. */
export async function start(
  options: DeployServiceOptions & { readonly port?: number; readonly host?: string },
): Promise<RunningService> {
  const server = createApp(options).listen(options.port ?? 0, options.host ?? '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve).once('error', reject)
  })
  const { address, port } = server.address() as AddressInfo
  const host = address.includes(':') ? `[${address}]` : address
  return {
    url: `http://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
