/**
 * Express 5 servers: bare, ours (adapter defaults, or one `crypto` mode with `cache: false`), the
 * hand-written ceiling, express-jwt + jwks-rsa and express-oauth2-jwt-bearer. Every variant shares
 * one error handler that applies the error's `status` and `headers` (so no variant pays for
 * Express's stack-trace logging of 401s).
 */

import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { oursOptions, rawCryptoConfig } from '../../fixtures/policy.js'
import { challengeFor, verifyAuthorization } from '../../fixtures/rawcrypto.js'
import { PATH, oursSettings } from '../variants.js'
import type { HttpVariant, ServerConfig } from '../variants.js'
import { createExpressApp } from './framework-types.js'
import type {
  ExpressErrorHandler,
  ExpressHandler,
  ExpressNext,
  ExpressRequest,
  ExpressResponse,
} from './framework-types.js'

interface HttpErrorLike {
  readonly status?: unknown
  readonly statusCode?: unknown
  readonly headers?: unknown
  readonly code?: string
  readonly name?: string
  readonly toJSON?: () => unknown
}

// Four parameters: Express tells an error handler from a middleware by its arity.
const errorHandler: ExpressErrorHandler = (err, _req, res, _next) => {
  const e = (typeof err === 'object' && err !== null ? err : {}) as HttpErrorLike
  const status = Number(e.status ?? e.statusCode ?? 500)
  res.status(status >= 400 && status < 600 ? status : 500)
  if (typeof e.headers === 'object' && e.headers !== null) {
    res.set(e.headers as Record<string, string>)
  }
  res.json(typeof e.toJSON === 'function' ? e.toJSON() : { error: e.code ?? e.name ?? 'error' })
}

const forbidden = (res: ExpressResponse): void =>
  res.status(403).json({ error: 'insufficient_scope' })
const hello: ExpressHandler = (_req, res) => res.json({ hello: 'world' })

/**
 * Builds one Express variant as a `node:http` server (not listening yet).
 *
 * @example
 * ```ts
 * const server = await buildExpress(variant, cfg)
 * server.listen(0, '127.0.0.1')
 * ```
 */
export async function buildExpress(variant: HttpVariant, cfg: ServerConfig): Promise<Server> {
  const app = createExpressApp()
  app.disable('x-powered-by')
  switch (variant.kind) {
    case 'bare':
      break
    case 'ours': {
      const { verifyGitlabIdToken } = await import('@gitlab-id-token/express')
      const middleware = verifyGitlabIdToken(oursOptions(cfg, oursSettings(variant, cfg)))
      app.use(middleware as unknown as ExpressHandler)
      break
    }
    case 'rawcrypto': {
      const rawCfg = await rawCryptoConfig(cfg)
      app.use((req: ExpressRequest, res: ExpressResponse, next: ExpressNext) => {
        const outcome = verifyAuthorization(req.headers.authorization, rawCfg)
        if (outcome.ok) {
          req.auth = outcome.claims
          next()
        } else {
          res.status(outcome.status).set('WWW-Authenticate', challengeFor(outcome)).end()
        }
      })
      break
    }
    case 'peer':
      if (variant.id === 'express-jwt') {
        const { expressjwt } = await import('express-jwt')
        const jwksRsa = (await import('jwks-rsa')).default
        const middleware = expressjwt({
          secret: jwksRsa.expressJwtSecret({
            jwksUri: cfg.jwksUri,
            cache: true,
            rateLimit: true,
            jwksRequestsPerMinute: 10,
          }),
          audience: cfg.audience,
          issuer: cfg.issuer,
          algorithms: ['RS256'],
        })
        app.use(middleware as unknown as ExpressHandler)
        app.get(PATH, (req, res, next) =>
          req.auth?.project_id === cfg.projectId ? hello(req, res, next) : forbidden(res),
        )
      } else {
        const { auth } = await import('express-oauth2-jwt-bearer')
        const middleware = auth({
          issuer: cfg.issuer,
          audience: cfg.audience,
          jwksUri: cfg.jwksUri,
          tokenSigningAlg: 'RS256',
        })
        app.use(middleware as unknown as ExpressHandler)
        app.get(PATH, (req, res, next) =>
          req.auth?.payload?.project_id === cfg.projectId ? hello(req, res, next) : forbidden(res),
        )
      }
      break
  }
  app.get(PATH, hello)
  app.use(errorHandler)
  return createServer(app)
}
