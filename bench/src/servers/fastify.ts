/**
 * Fastify 5 servers: bare, ours, the hand-written ceiling (`onRequest` hook) and @fastify/jwt with
 * a jwks-rsa secret callback.
 */

import type { Server } from 'node:http'
import Fastify from 'fastify'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { PATH } from '../http-variants.js'
import type { HttpVariant, ServerConfig } from '../http-variants.js'
import { challengeFor, verifyAuthorization } from '../rawcrypto.js'
import { oursOptions, rawCryptoConfig } from './policy.js'

export async function buildFastify(variant: HttpVariant, cfg: ServerConfig): Promise<Server> {
  const app = Fastify({ logger: false })
  switch (variant.kind) {
    case 'bare':
      break
    case 'ours': {
      const { verifyGitlabIdToken } = await import('@gitlab-id-token/fastify')
      await app.register(verifyGitlabIdToken, oursOptions(cfg))
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
        secret: async (_request: FastifyRequest, token: any) =>
          (await client.getSigningKey(token?.header?.kid)).getPublicKey(),
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
