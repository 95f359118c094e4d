/**
 * Adapter options that carry verifier settings but no `audience` are refused at startup in every
 * adapter (they used to fall back to GITLAB_ID_TOKEN_* silently and drop the policy, replay
 * store or age limit the code asked for), for JavaScript callers too.
 */

import { availableParallelism } from 'node:os'
import {
  createMemoryReplayStore,
  createVerifier,
  type Verifier,
  type VerifierOptions,
} from '@gitlab-id-token/core'
import * as expressAdapter from '@gitlab-id-token/express'
import * as fastifyAdapter from '@gitlab-id-token/fastify'
import * as koaAdapter from '@gitlab-id-token/koa'
import Fastify from 'fastify'
import { afterEach, describe, expect, it, vi } from 'vitest'

const AUDIENCE = 'https://deploy.example.com'
const policy = { allow: [{ match: { project_id: '42' }, grants: ['deploy'] }] }

type Build = (options: unknown) => Promise<unknown>

const ADAPTERS: readonly [string, Build][] = [
  ['Express', async (options) => expressAdapter.verifyGitlabIdToken(options as never)],
  ['Koa', async (options) => koaAdapter.verifyGitlabIdToken(options as never)],
  [
    'Fastify',
    async (options) => {
      const app = Fastify()
      try {
        await app.register(fastifyAdapter.verifyGitlabIdToken, options as never)
      } finally {
        await app.close().catch(() => undefined)
      }
    },
  ],
]

afterEach(() => {
  vi.unstubAllEnvs()
})

describe.each(ADAPTERS)('%s options', (_name, build) => {
  it.each([
    ['policy', { policy }],
    ['replay', { replay: { store: createMemoryReplayStore({ max: 10 }) } }],
    ['maxTokenAge', { maxTokenAge: 600 }],
    ['policy', { policy, getToken: () => undefined, optional: true }],
  ])(
    '"%s" without "audience" is refused, even with a complete environment',
    async (key, options) => {
      vi.stubEnv('GITLAB_ID_TOKEN_AUDIENCE', AUDIENCE)
      vi.stubEnv('GITLAB_ID_TOKEN_POLICY', JSON.stringify(policy))
      await expect(build(options)).rejects.toMatchObject({
        code: 'ERR_INVALID_CONFIG',
        status: 500,
        message: expect.stringContaining(`"${key}" but no "audience"`),
      })
    },
  )

  it('a shared verifier with verifier options is refused', async () => {
    const verifier = createVerifier({ audience: AUDIENCE, policy })
    await expect(build({ verifier, maxTokenAge: 60 })).rejects.toMatchObject({
      code: 'ERR_INVALID_CONFIG',
      message: expect.stringContaining('not both'),
    })
  })

  it('adapter options alone still read the environment', async () => {
    vi.stubEnv('GITLAB_ID_TOKEN_AUDIENCE', AUDIENCE)
    vi.stubEnv('GITLAB_ID_TOKEN_POLICY', JSON.stringify(policy))
    // Not `.resolves.not.toThrow()`: that would call the built middleware with no request.
    await expect(build({ optional: true }).then(() => 'built')).resolves.toBe('built')
    vi.stubEnv('GITLAB_ID_TOKEN_AUDIENCE', '')
    await expect(build({ optional: true })).rejects.toMatchObject({
      code: 'ERR_INVALID_CONFIG',
      message: expect.stringContaining('GITLAB_ID_TOKEN_AUDIENCE'),
    })
  })
})

describe('the adapters default crypto to "auto" where a second core exists', () => {
  it('when the options do not say', async () => {
    const { resolveVerifier } = await import('@gitlab-id-token/core/adapter')
    // Built from options, so a whole Verifier (a shared one may be any { verify }).
    const built = (options: VerifierOptions) => resolveVerifier(options) as Verifier
    const expected = availableParallelism() >= 2 ? 'auto' : 'sync'
    expect(built({ audience: AUDIENCE, policy }).describe().crypto).toBe(expected)
    expect(built({ audience: AUDIENCE, policy, crypto: 'sync' }).describe().crypto).toBe('sync')
  })
})
