/**
 * One harness per framework for the adapter contract: each builds the contract app (see
 * adapter-contract.ts) in its framework's own idiom, with the documented JSON error rendering.
 */

import { createServer } from 'node:http'
import * as expressAdapter from '@gitlab-id-token/express'
import { verifyGitlabIdToken as fastifyPlugin } from '@gitlab-id-token/fastify'
import * as koaAdapter from '@gitlab-id-token/koa'
import type { ErrorRequestHandler } from 'express'
import type expressFactory from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import { describeResult, renderError, type MakeHarness } from './adapter-contract.js'
import { listen } from './http.js'

/** Express 5 or 4 (the same API surface for everything the adapter touches). */
export function expressHarness(express: typeof expressFactory): MakeHarness {
  return async (options) => {
    const app = express()
    app.use(expressAdapter.verifyGitlabIdToken(options))
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
    return listen(createServer(app))
  }
}

export const fastifyHarness: MakeHarness = async (options) => {
  const app = Fastify()
  await app.register(fastifyPlugin, options)
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
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() }
}

export const koaHarness: MakeHarness = async (options) => {
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
  const routes = app.use(koaAdapter.verifyGitlabIdToken(options)).use(async (ctx, next) => {
    if (ctx.path === '/whoami') ctx.body = describeResult(ctx.state.gitlabIdToken)
    else await next()
  })
  routes.use(koaAdapter.requireGrants('deploy')).use(async (ctx) => {
    if (ctx.path === '/deploy') ctx.body = { deployed: ctx.state.gitlabIdToken.claims.project_path }
  })
  const handle = app.callback()
  // Koa's handler settles every request itself; the promise only signals completion.
  return listen(createServer((req, res) => void handle(req, res)))
}
