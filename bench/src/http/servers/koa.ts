/**
 * Koa 3 servers: bare, ours (adapter defaults, or one `crypto` mode with `cache: false`), the
 * hand-written ceiling and koa-jwt + jwks-rsa `koaJwtSecret`.
 */

import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { oursOptions, rawCryptoConfig } from '../../fixtures/policy.js'
import { challengeFor, verifyAuthorization } from '../../fixtures/rawcrypto.js'
import { oursSettings } from '../variants.js'
import type { HttpVariant, ServerConfig } from '../variants.js'
import { createKoaApp } from './framework-types.js'
import type { KoaMiddleware } from './framework-types.js'

/**
 * Builds one Koa variant as a `node:http` server (not listening yet).
 *
 * @example
 * ```ts
 * const server = await buildKoa(variant, cfg)
 * ```
 */
export async function buildKoa(variant: HttpVariant, cfg: ServerConfig): Promise<Server> {
  const app = createKoaApp()
  // Rejected requests are expected under test; Koa would log every non-exposed error to stderr.
  app.silent = true
  switch (variant.kind) {
    case 'bare':
      break
    case 'ours': {
      const { verifyGitlabIdToken } = await import('@gitlab-id-token/koa')
      app.use(
        verifyGitlabIdToken(
          oursOptions(cfg, oursSettings(variant, cfg)),
        ) as unknown as KoaMiddleware,
      )
      break
    }
    case 'rawcrypto': {
      const rawCfg = await rawCryptoConfig(cfg)
      app.use((ctx, next) => {
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
        }) as unknown as KoaMiddleware,
      )
      app.use((ctx, next) => {
        if (ctx.state.user?.project_id === cfg.projectId) return next()
        ctx.status = 403
        ctx.body = { error: 'insufficient_scope' }
        return undefined
      })
      break
    }
  }
  app.use((ctx) => {
    ctx.body = { hello: 'world' }
  })
  return createServer(app.callback())
}
