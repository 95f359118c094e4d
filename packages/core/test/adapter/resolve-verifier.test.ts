import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { resolveVerifier } from '../../src/adapter/resolve-verifier.js'
import { createMemoryReplayStore } from '../../src/replay-store.js'
import { createVerifier } from '../../src/verifier.js'
import { configErrorMatching } from '../fixtures.js'

const AUDIENCE = 'https://deploy.example.com'
const policy = { allow: [{ match: { project_path: 'acme/widget' }, grants: ['deploy', 'read'] }] }
let gitlab: MockGitlab

beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterEach(() => {
  vi.unstubAllEnvs()
})
afterAll(() => gitlab.close())

describe('resolveVerifier', () => {
  it('returns a shared verifier as is', () => {
    const verifier = createVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy })
    expect(resolveVerifier({ verifier })).toBe(verifier)
    expect(resolveVerifier({ verifier, getToken: () => undefined, optional: true })).toBe(verifier)
  })

  it('builds one from options, and from the environment when given none', async () => {
    const token = gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget' })
    const fromOptions = resolveVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy })
    await expect(fromOptions.verify(token)).resolves.toMatchObject({ grants: ['deploy', 'read'] })
    const env = {
      GITLAB_ID_TOKEN_AUDIENCE: AUDIENCE,
      GITLAB_ID_TOKEN_ISSUER: gitlab.issuer,
      GITLAB_ID_TOKEN_POLICY: JSON.stringify(policy),
    }
    await expect(resolveVerifier(undefined, env).verify(token)).resolves.toMatchObject({
      grants: ['deploy', 'read'],
    })
    await expect(resolveVerifier({ optional: true }, env).verify(token)).resolves.toMatchObject({
      grants: ['deploy', 'read'],
    })
  })

  it('fails at startup, naming the variable, when the environment lacks one', () => {
    expect(() => resolveVerifier(undefined, {})).toThrow(
      configErrorMatching(/GITLAB_ID_TOKEN_AUDIENCE/),
    )
  })

  it('reads process.env only when it needs it, at the call (no default parameter)', () => {
    vi.stubEnv('GITLAB_ID_TOKEN_AUDIENCE', AUDIENCE)
    vi.stubEnv('GITLAB_ID_TOKEN_POLICY', JSON.stringify(policy))
    expect(typeof resolveVerifier().verify).toBe('function')
    vi.stubEnv('GITLAB_ID_TOKEN_AUDIENCE', '')
    expect(() => resolveVerifier()).toThrow(configErrorMatching(/GITLAB_ID_TOKEN_AUDIENCE/))
  })

  it.each([
    ['policy', { policy }],
    ['replay', { replay: { store: createMemoryReplayStore({ max: 10 }) } }],
    ['maxTokenAge', { maxTokenAge: 600 }],
    ['issuer', { issuer: 'https://gitlab.example.com' }],
  ])(
    'refuses verifier options without "audience" (%s) instead of reading the environment',
    (key, options) => {
      // A complete environment: the old code silently used it and dropped the options.
      vi.stubEnv('GITLAB_ID_TOKEN_AUDIENCE', AUDIENCE)
      vi.stubEnv('GITLAB_ID_TOKEN_POLICY', JSON.stringify(policy))
      expect(() => resolveVerifier(options as never)).toThrow(
        configErrorMatching(new RegExp(`"${key}" but no "audience"`)),
      )
    },
  )

  it('refuses a verifier together with any verifier option, and a fake verifier', () => {
    const verifier = createVerifier({ audience: AUDIENCE, issuer: gitlab.issuer, policy })
    expect(() => resolveVerifier({ verifier, audience: AUDIENCE } as never)).toThrow(
      configErrorMatching(/not both/),
    )
    expect(() => resolveVerifier({ verifier, maxTokenAge: 60 } as never)).toThrow(
      configErrorMatching(/"maxTokenAge", not both/),
    )
    expect(() => resolveVerifier({ verifier: {} } as never)).toThrow(
      configErrorMatching(/createVerifier/),
    )
    expect(() => resolveVerifier('x' as never)).toThrow(configErrorMatching(/object/))
  })

  it('leaves adapter keys out of the verifier options, so the core may refuse unknown keys', () => {
    expect(() =>
      resolveVerifier({
        audience: AUDIENCE,
        issuer: gitlab.issuer,
        policy,
        getToken: () => undefined,
        optional: false,
      }),
    ).not.toThrow()
  })
})
