// Type-checked under --strict with module nodenext (ESM and CommonJS) and moduleResolution bundler.
import { createVerifier, GitlabIdTokenError, type VerifyResult } from '@gitlab-id-token/core'
import { verifyGitlabIdToken as expressVerify } from '@gitlab-id-token/express'
import { verifyGitlabIdToken as fastifyVerify } from '@gitlab-id-token/fastify'
import { verifyGitlabIdToken as koaVerify } from '@gitlab-id-token/koa'
import { createMockGitlab } from '@gitlab-id-token/testing'

export async function check(): Promise<VerifyResult | GitlabIdTokenError> {
  const gitlab = await createMockGitlab()
  const verifier = createVerifier({
    issuer: gitlab.issuer,
    audience: 'https://smoke.example',
    policy: { allow: [{ match: { project_id: '42', ref_protected: true }, grants: ['deploy'] }] },
  })
  void [expressVerify, fastifyVerify, koaVerify]
  try {
    return await verifier.verify(gitlab.mint({ aud: 'https://smoke.example', project_id: '42' }))
  } catch (error) {
    if (error instanceof GitlabIdTokenError) return error
    throw error
  } finally {
    await gitlab.close()
  }
}
