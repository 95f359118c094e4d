/**
 * One harness per framework for the adapter contract: each builds the contract app (see
 * adapter-contract.ts) in its framework's own idiom, with the documented JSON error rendering.
 * The security suites build the same apps, with the {@link HarnessOptions} they need.
 */

import { createServer, type RequestListener, type Server } from 'node:http'
import type { TokenGetter } from '@gitlab-id-token/core/adapter'
import * as expressAdapter from '@gitlab-id-token/express'
import { verifyGitlabIdToken as fastifyPlugin } from '@gitlab-id-token/fastify'
import * as koaAdapter from '@gitlab-id-token/koa'
import type { ErrorRequestHandler } from 'express'
import type expressFactory from 'express'
import Fastify, { type FastifyRequest } from 'fastify'
import Koa from 'koa'
import {
  describeResult,
  renderError,
  type ContractOptions,
  type HarnessOptions,
  type MakeHarness,
} from './adapter-contract.js'
import { listen } from './http.js'

/** The adapter's options: with `getToken` reading `?access_token=` when the harness asks for it. */
function adapterOptions<Req>(
  options: ContractOptions,
  { queryToken, optional }: HarnessOptions,
  accessTokenParameter: (req: Req) => unknown,
): ContractOptions & { readonly getToken?: TokenGetter<Req>; readonly optional?: boolean } {
  const withOptional = optional === true ? { ...options, optional } : options
  if (queryToken !== true) return withOptional
  const getToken = (req: Req): string | undefined => {
    const value = accessTokenParameter(req)
    return typeof value === 'string' ? value : undefined
  }
  return { ...withOptional, getToken }
}

function nodeServer(listener: RequestListener, { maxHeaderSize }: HarnessOptions): Server {
  return createServer(maxHeaderSize === undefined ? {} : { maxHeaderSize }, listener)
}

/** Express 5 or 4 (the same API surface for everything the adapter touches). */
export function expressHarness(express: typeof expressFactory): MakeHarness {
  return async (options, harness = {}) => {
    const app = express()
    const requests: unknown[] = []
    app.use((req, _res, next) => {
      requests.push(req)
      next()
    })
    app.use(
      expressAdapter.verifyGitlabIdToken(
        adapterOptions(options, harness, (req: expressFactory.Request) => req.query.access_token),
      ),
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
    return { ...(await listen(nodeServer(app, harness))), requests }
  }
}

export const fastifyHarness: MakeHarness = async (options, harness = {}) => {
  const { maxHeaderSize } = harness
  const app = Fastify(
    maxHeaderSize === undefined
      ? {}
      : { serverFactory: (handler) => createServer({ maxHeaderSize }, handler) },
  )
  const requests: unknown[] = []
  // Registered before the plugin, so it sees every request, refused ones included.
  app.addHook('onRequest', (request, _reply, done) => {
    requests.push(request)
    done()
  })
  await app.register(
    fastifyPlugin,
    adapterOptions(
      options,
      harness,
      (request: FastifyRequest) => (request.query as Record<string, unknown>).access_token,
    ),
  )
  app.get('/whoami', async (request) => describeResult(request.gitlabIdToken))
  app.get(
    '/deploy',
    { config: { gitlabIdToken: { requireGrants: ['deploy'] } } },
    async (request) => ({
      deployed: request.gitlabIdToken?.claims.project_path,
    }),
  )
  app.setErrorHandler(async (error, _request, reply) => {
    const { status, headers, body } = renderError(error)
    return reply.code(status).headers(headers).send(body)
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, requests, close: () => app.close() }
}

export const koaHarness: MakeHarness = async (options, harness = {}) => {
  const app = new Koa()
  const requests: unknown[] = []
  app.use(async (ctx, next) => {
    requests.push(ctx)
    try {
      await next()
    } catch (error) {
      const { status, headers, body } = renderError(error)
      ctx.status = status
      ctx.set(headers)
      ctx.body = body
    }
  })
  const routes = app
    .use(
      koaAdapter.verifyGitlabIdToken(
        adapterOptions(options, harness, (ctx: Koa.ParameterizedContext) => ctx.query.access_token),
      ),
    )
    .use(async (ctx, next) => {
      if (ctx.path === '/whoami') ctx.body = describeResult(ctx.state.gitlabIdToken)
      else await next()
    })
  routes.use(koaAdapter.requireGrants('deploy')).use(async (ctx) => {
    if (ctx.path === '/deploy') ctx.body = { deployed: ctx.state.gitlabIdToken.claims.project_path }
  })
  const handle = app.callback()
  // Koa's handler settles every request itself; the promise only signals completion.
  return { ...(await listen(nodeServer((req, res) => void handle(req, res), harness))), requests }
}
