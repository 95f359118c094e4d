/**
 * Express 5 servers: bare, ours, the hand-written ceiling, express-jwt + jwks-rsa and
 * express-oauth2-jwt-bearer. Every variant shares one error handler that applies the error's
 * `status` and `headers` (so no variant pays for Express's stack-trace logging of 401s).
 */

import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import { PATH } from '../http-variants.js'
import type { HttpVariant, ServerConfig } from '../http-variants.js'
import { challengeFor, verifyAuthorization } from '../rawcrypto.js'
import { oursOptions, rawCryptoConfig } from './policy.js'

// express ships no types and @types/express is not a bench dependency: load it untyped.
const require = createRequire(import.meta.url)
const express = require('express')

function errorHandler(err: any, _req: any, res: any, _next: unknown): void {
  const status = Number(err?.status ?? err?.statusCode ?? 500)
  res.status(status >= 400 && status < 600 ? status : 500)
  if (err?.headers && typeof err.headers === 'object') res.set(err.headers)
  res.json(
    typeof err?.toJSON === 'function'
      ? err.toJSON()
      : { error: String(err?.code ?? err?.name ?? 'error') },
  )
}

const forbidden = (res: any) => res.status(403).json({ error: 'insufficient_scope' })

export async function buildExpress(variant: HttpVariant, cfg: ServerConfig): Promise<Server> {
  const app = express()
  app.disable('x-powered-by')
  const hello = (_req: unknown, res: any) => res.json({ hello: 'world' })
  switch (variant.kind) {
    case 'bare':
      app.get(PATH, hello)
      break
    case 'ours': {
      const { verifyGitlabIdToken } = await import('@gitlab-id-token/express')
      app.use(verifyGitlabIdToken(oursOptions(cfg)))
      app.get(PATH, hello)
      break
    }
    case 'rawcrypto': {
      const rawCfg = await rawCryptoConfig(cfg)
      app.use((req: any, res: any, next: () => void) => {
        const outcome = verifyAuthorization(req.headers.authorization, rawCfg)
        if (outcome.ok) {
          req.auth = outcome.claims
          next()
        } else {
          res.status(outcome.status).set('WWW-Authenticate', challengeFor(outcome)).end()
        }
      })
      app.get(PATH, hello)
      break
    }
    case 'peer':
      if (variant.id === 'express-jwt') {
        const { expressjwt } = await import('express-jwt')
        const jwksRsa = (await import('jwks-rsa')).default
        app.use(
          expressjwt({
            secret: jwksRsa.expressJwtSecret({
              jwksUri: cfg.jwksUri,
              cache: true,
              rateLimit: true,
              jwksRequestsPerMinute: 10,
            }),
            audience: cfg.audience,
            issuer: cfg.issuer,
            algorithms: ['RS256'],
          }),
        )
        app.get(PATH, (req: any, res: any) =>
          req.auth?.project_id === cfg.projectId ? hello(req, res) : forbidden(res),
        )
      } else {
        const { auth } = await import('express-oauth2-jwt-bearer')
        app.use(
          auth({
            issuer: cfg.issuer,
            audience: cfg.audience,
            jwksUri: cfg.jwksUri,
            tokenSigningAlg: 'RS256',
          }),
        )
        app.get(PATH, (req: any, res: any) =>
          req.auth?.payload?.project_id === cfg.projectId ? hello(req, res) : forbidden(res),
        )
      }
      break
  }
  app.use(errorHandler)
  return createServer(app)
}
