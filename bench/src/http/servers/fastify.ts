/**
 * Fastify 5 servers: bare, ours (adapter defaults, or one `crypto` mode with `cache: false`), the
 * hand-written ceiling (`onRequest` hook) and @fastify/jwt with a jwks-rsa secret callback.
 */

import type { Server } from 'node:http'
import Fastify from 'fastify'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { oursOptions, rawCryptoConfig } from '../../fixtures/policy.js'
import { challengeFor, verifyAuthorization } from '../../fixtures/rawcrypto.js'
import { PATH, oursSettings } from '../variants.js'
import type { HttpVariant, ServerConfig } from '../variants.js'

/**
 * Builds one Fastify variant and returns its `node:http` server (not listening yet).
 *
 * @example
 * ```ts
 * const server = await buildFastify(variant, cfg)
 * ```
 */
export async function buildFastify(variant: HttpVariant, cfg: ServerConfig): Promise<Server> {
  // The adapter must be loaded before the instance exists: it hooks instance creation so that
  // routes declaring `config.gitlabIdToken` are guarded in every scope.
  const adapter = variant.kind === 'ours' ? await import('@gitlab-id-token/fastify') : undefined
  const app = Fastify({ logger: false })
  switch (variant.kind) {
    case 'bare':
      break
    case 'ours': {
      const { verifyGitlabIdToken } = adapter ?? (await import('@gitlab-id-token/fastify'))
      await app.register(verifyGitlabIdToken, oursOptions(cfg, oursSettings(variant, cfg)))
      break
    }
    case 'rawcrypto': {
      const rawCfg = await rawCryptoConfig(cfg)
      app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
        const outcome = verifyAuthorization(request.headers.authorization, rawCfg)
        if (outcome.ok) {
          done()
          return
        }
        void reply.code(outcome.status).header('www-authenticate', challengeFor(outcome)).send()
      })
      break
    }
    case 'peer': {
      const fastifyJwt = (await import('@fastify/jwt')).default
      const jwksRsa = (await import('jwks-rsa')).default
      const client = jwksRsa({
        jwksUri: cfg.jwksUri,
        cache: true,
        rateLimit: true,
        jwksRequestsPerMinute: 10,
      })
      await app.register(fastifyJwt, {
        decode: { complete: true },
        secret: async (_request: FastifyRequest, token: unknown) =>
          (
            await client.getSigningKey((token as { header?: { kid?: string } }).header?.kid)
          ).getPublicKey(),
        verify: { allowedIss: cfg.issuer, allowedAud: cfg.audience, algorithms: ['RS256'] },
      })
      app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        await request.jwtVerify()
        if ((request.user as { project_id?: unknown }).project_id !== cfg.projectId) {
          await reply.code(403).send({ error: 'insufficient_scope' })
        }
      })
      break
    }
  }
  app.get(PATH, async () => ({ hello: 'world' }))
  await app.ready()
  return app.server
}
