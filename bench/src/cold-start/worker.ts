/**
 * Child process of the cold-start section: a fresh verifier (fresh process, empty caches, cold JIT) gets N
 * concurrent first verifications; the parent counts the fetches on its loopback issuer.
 */

import { performance } from 'node:perf_hooks'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import jwksRsa from 'jwks-rsa'
import { runJob } from '../harness/child-ipc.js'
import { benchPolicy } from '../fixtures/policy.js'

/** Whose verifier gets the concurrent first requests. */
export type ColdScenario = 'ours' | 'jose' | 'jwks-rsa'

/** What the parent sends the cold-start child. */
export interface ColdJob {
  readonly scenario: ColdScenario
  readonly issuer: string
  readonly jwksUri: string
  readonly audience: string
  readonly projectId: string
  readonly tokens: readonly string[]
}

/** How long all first verifications took, and how many were accepted. */
export interface ColdResult {
  readonly ms: number
  readonly accepted: number
  readonly rejected: number
  readonly firstError?: string
}

async function verifierFor(job: ColdJob): Promise<(token: string) => Promise<unknown>> {
  switch (job.scenario) {
    case 'ours': {
      const { createVerifier } = await import('@gitlab-id-token/core')
      const v = createVerifier({
        audience: job.audience,
        issuer: job.issuer,
        policy: benchPolicy(job),
      })
      return (t) => v.verify(t)
    }
    case 'jose': {
      const jwks = createRemoteJWKSet(new URL(job.jwksUri))
      const options = { issuer: job.issuer, audience: job.audience, algorithms: ['RS256'] }
      return (t) => jwtVerify(t, jwks, options)
    }
    case 'jwks-rsa': {
      // What express-jwt + expressJwtSecret and koa-jwt + koaJwtSecret do per request.
      const client = jwksRsa({
        jwksUri: job.jwksUri,
        cache: true,
        rateLimit: true,
        jwksRequestsPerMinute: 10,
      })
      const options = { issuer: job.issuer, audience: job.audience, algorithms: ['RS256' as const] }
      return async (t) => {
        const kid = jsonwebtoken.decode(t, { complete: true })?.header.kid
        const key = (await client.getSigningKey(kid)).getPublicKey()
        return jsonwebtoken.verify(t, key, options)
      }
    }
  }
}

runJob<ColdJob, ColdResult>(async (job) => {
  const verify = await verifierFor(job)
  const start = performance.now()
  const settled = await Promise.allSettled(job.tokens.map((t) => verify(t)))
  const ms = performance.now() - start
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  const rejected = settled.filter((s) => s.status === 'rejected').length
  return {
    ms,
    accepted: settled.length - rejected,
    rejected,
    ...(failed
      ? { firstError: String((failed.reason as { code?: string }).code ?? failed.reason) }
      : {}),
  }
})
