/**
 * Real Express, Fastify and Koa servers on 127.0.0.1, port 0, each with our adapter in front of two
 * routes and an app-level error handler that renders `err.toJSON()`, so every attack's `code` and
 * status are read from what a client would really receive.
 *
 * - `GET /whoami` → 200 with what the handler sees of the verified token;
 * - `GET /deploy` → requires the grant `deploy`, then 200.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isGitlabIdTokenError, type Verifier, type VerifyResult } from '@gitlab-id-token/core'
import * as expressAdapter from '@gitlab-id-token/express'
import { verifyGitlabIdToken as fastifyPlugin } from '@gitlab-id-token/fastify'
import * as koaAdapter from '@gitlab-id-token/koa'
import express, { type ErrorRequestHandler } from 'express'
import Fastify from 'fastify'
import Koa from 'koa'

export type Framework = 'Express' | 'Fastify' | 'Koa'
export const FRAMEWORKS: readonly Framework[] = ['Express', 'Fastify', 'Koa']

export interface AppOptions {
  readonly verifier: Verifier
  /** Read the token from `?access_token=` through the adapter's `getToken` (opt-in). */
  readonly queryToken?: boolean
  /** Node's header limit for this server (default 16 KiB). */
  readonly maxHeaderSize?: number
}

export interface RunningApp {
  readonly url: string
  close(): Promise<void>
}

/** What `/whoami` answers: enough for tests to see which value the policy saw. */
export function describeResult(result: VerifyResult | null | undefined): object {
  if (!result) return { result: null }
  const { claims } = result
  return {
    project_path: claims.project_path,
    project_id: claims.project_id,
    job_project_id: claims.job_project_id,
    ref_protected: claims.ref_protected,
    grants: result.grants,
    rules: result.rules,
    issuer: result.issuer,
  }
}

/** The rendering every harness uses; anything that is not our error is an opaque 500. */
export function renderError(error: unknown): {
  status: number
  headers: Readonly<Record<string, string>>
  body: object
} {
  if (isGitlabIdTokenError(error)) {
    return { status: error.status, headers: error.headers, body: error.toJSON() }
  }
  return { status: 500, headers: {}, body: { error: 'server_error', code: 'UNEXPECTED' } }
}

const queryValue = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined

async function listen(server: Server): Promise<RunningApp> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function startExpress(options: AppOptions): Promise<RunningApp> {
  const app = express()
  app.use(
    expressAdapter.verifyGitlabIdToken({
      verifier: options.verifier,
      ...(options.queryToken === true
        ? { getToken: (req: express.Request) => queryValue(req.query.access_token) }
        : {}),
    }),
  )
  app.get('/whoami', (req, res) => {
    res.json(describeResult(req.gitlabIdToken))
  })
  app.get('/deploy', expressAdapter.requireGrants('deploy'), (req, res) => {
    res.json({ deployed: req.gitlabIdToken?.claims.project_path })
  })
  const jsonErrors: ErrorRequestHandler = (error, _req, res, _next) => {
    const { status, headers, body } = renderError(error)
    res.status(status).set(headers).json(body)
  }
  app.use(jsonErrors)
  const server =
    options.maxHeaderSize === undefined
      ? createServer(app)
      : createServer({ maxHeaderSize: options.maxHeaderSize }, app)
  return listen(server)
}

async function startFastify(options: AppOptions): Promise<RunningApp> {
  const app = Fastify(
    options.maxHeaderSize === undefined
      ? {}
      : {
          serverFactory: (handler) =>
            createServer({ maxHeaderSize: options.maxHeaderSize ?? 16_384 }, handler),
        },
  )
  await app.register(fastifyPlugin, {
    verifier: options.verifier,
    ...(options.queryToken === true
      ? {
          getToken: (request) =>
            queryValue((request.query as Record<string, unknown>).access_token),
        }
      : {}),
  })
  app.get('/whoami', async (request) => describeResult(request.gitlabIdToken))
  app.get(
    '/deploy',
    { config: { gitlabIdToken: { requireGrants: ['deploy'] } } },
    async (request) => ({ deployed: request.gitlabIdToken?.claims.project_path }),
  )
  app.setErrorHandler(async (error, _request, reply) => {
    const { status, headers, body } = renderError(error)
    return reply.code(status).headers(headers).send(body)
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() }
}

async function startKoa(options: AppOptions): Promise<RunningApp> {
  const app = new Koa()
  app.use(async (ctx, next) => {
    try {
      await next()
    } catch (error) {
      const { status, headers, body } = renderError(error)
      ctx.status = status
      ctx.set(headers)
      ctx.body = body
    }
  })
  const verified = app.use(
    koaAdapter.verifyGitlabIdToken({
      verifier: options.verifier,
      ...(options.queryToken === true
        ? { getToken: (ctx: Koa.ParameterizedContext) => queryValue(ctx.query.access_token) }
        : {}),
    }),
  )
  verified.use(async (ctx, next) => {
    if (ctx.path === '/whoami') ctx.body = describeResult(ctx.state.gitlabIdToken)
    else await next()
  })
  verified.use(koaAdapter.requireGrants('deploy')).use(async (ctx) => {
    if (ctx.path === '/deploy') ctx.body = { deployed: ctx.state.gitlabIdToken.claims.project_path }
  })
  const callback = app.callback()
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void callback(req, res)
  }
  const server =
    options.maxHeaderSize === undefined
      ? createServer(handler)
      : createServer({ maxHeaderSize: options.maxHeaderSize }, handler)
  return listen(server)
}

/** Starts `framework` with our adapter, on 127.0.0.1, port 0. */
export function startApp(framework: Framework, options: AppOptions): Promise<RunningApp> {
  switch (framework) {
    case 'Express':
      return startExpress(options)
    case 'Fastify':
      return startFastify(options)
    case 'Koa':
      return startKoa(options)
  }
}

/** Wraps a verifier to count `verify` calls (to prove a request never reached the core). */
export function countingVerifier(inner: Verifier): Verifier & { readonly calls: number } {
  let calls = 0
  return {
    get calls() {
      return calls
    },
    verify(token) {
      calls += 1
      return inner.verify(token)
    },
  }
}
