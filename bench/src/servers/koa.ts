/** Koa 3 servers: bare, ours, the hand-written ceiling and koa-jwt + jwks-rsa `koaJwtSecret`. */

import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import type { HttpVariant, ServerConfig } from '../http-variants.js'
import { challengeFor, verifyAuthorization } from '../rawcrypto.js'
import { oursOptions, rawCryptoConfig } from './policy.js'

// koa's types (@types/koa) are not a bench dependency: load it untyped.
const require = createRequire(import.meta.url)
const Koa = require('koa')

export async function buildKoa(variant: HttpVariant, cfg: ServerConfig): Promise<Server> {
  const app = new Koa()
  // Rejected requests are expected under test; Koa would log every non-exposed error to stderr.
  app.silent = true
  switch (variant.kind) {
    case 'bare':
      break
    case 'ours': {
      const { verifyGitlabIdToken } = await import('@gitlab-id-token/koa')
      app.use(verifyGitlabIdToken(oursOptions(cfg)))
      break
    }
    case 'rawcrypto': {
      const rawCfg = await rawCryptoConfig(cfg)
      app.use((ctx: any, next: () => Promise<void>) => {
        const outcome = verifyAuthorization(ctx.headers.authorization, rawCfg)
        if (outcome.ok) {
          ctx.state.user = outcome.claims
          return next()
        }
        ctx.status = outcome.status
        ctx.set('WWW-Authenticate', challengeFor(outcome))
        return undefined
      })
      break
    }
    case 'peer': {
      const koaJwt = (await import('koa-jwt')).default
      const jwksRsa = (await import('jwks-rsa')).default
      app.use(
        koaJwt({
          secret: jwksRsa.koaJwtSecret({
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
      app.use((ctx: any, next: () => Promise<void>) => {
        if (ctx.state.user?.project_id === cfg.projectId) return next()
        ctx.status = 403
        ctx.body = { error: 'insufficient_scope' }
        return undefined
      })
      break
    }
  }
  app.use((ctx: any) => {
    ctx.body = { hello: 'world' }
  })
  return createServer(app.callback())
}
