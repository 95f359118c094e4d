import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createMockGitlab, NO_TIMEOUT_LIFETIME, tokenLifetime } from '../src/index.js'
import type { MintOptions, MockGitlab } from '../src/index.js'

let gitlab: MockGitlab
beforeAll(async () => {
  gitlab = await createMockGitlab({ now: () => 1_722_189_366_000 })
})
afterAll(() => gitlab.close())

const lifetimeOf = (token: string): number => {
  const { exp, iat, nbf } = decodeJwt(token)
  expect(nbf).toBe(Number(iat) - 5)
  return Number(exp) - Number(iat)
}
const mintWith = (options: MintOptions) => lifetimeOf(gitlab.mint({}, options))

describe('tokenLifetime (Ci::BuildMetadata timeout, jwt.rb DEFAULT_EXPIRE_TIME)', () => {
  it('is the job timeout, else the project timeout, capped by the runner maximum', () => {
    expect(tokenLifetime({ projectTimeout: 3600 })).toBe(3600)
    expect(tokenLifetime({ projectTimeout: 3600, jobTimeout: 5400 })).toBe(5400)
    expect(tokenLifetime({ jobTimeout: 7200, runnerMaxTimeout: 1800 })).toBe(1800)
    expect(tokenLifetime({ jobTimeout: 600, runnerMaxTimeout: 1800 })).toBe(600)
    expect(tokenLifetime({ runnerMaxTimeout: 900 })).toBe(900)
  })

  it('is 300 s when nothing sets a timeout', () => {
    expect(NO_TIMEOUT_LIFETIME).toBe(300)
    expect(tokenLifetime({})).toBe(300)
    expect(tokenLifetime({ jobTimeout: null, projectTimeout: null, runnerMaxTimeout: null })).toBe(
      300,
    )
  })
})

describe('the mock', () => {
  it('defaults to the one-hour project timeout, with nbf = iat - 5', () => {
    expect(lifetimeOf(gitlab.mint())).toBe(3600)
  })

  it('caps a long job at the runner maximum, per mint or per mock', async () => {
    expect(mintWith({ jobTimeout: 10_800, runnerMaxTimeout: 7200 })).toBe(7200)
    expect(mintWith({ projectTimeout: null })).toBe(300)
    expect(mintWith({ expiresIn: 42, runnerMaxTimeout: 10 })).toBe(42)
    const capped = await createMockGitlab({ runnerMaxTimeout: 1800 })
    try {
      expect(lifetimeOf(capped.mint())).toBe(1800)
      expect(lifetimeOf(capped.mint({}, { runnerMaxTimeout: 600 }))).toBe(600)
    } finally {
      await capped.close()
    }
  })

  it("caps a job's timeout: keyword in mintForJob", () => {
    const yaml =
      'deploy:\n  timeout: 3h\n  id_tokens:\n    ID_TOKEN:\n      aud: https://a\n  script: [x]\n'
    expect(lifetimeOf(gitlab.mintForJob(yaml, 'deploy').ID_TOKEN ?? '')).toBe(10_800)
    const capped = gitlab.mintForJob(yaml, 'deploy', { runnerMaxTimeout: 3600 })
    expect(lifetimeOf(capped.ID_TOKEN ?? '')).toBe(3600)
    const override = gitlab.mintForJob(yaml, 'deploy', { jobTimeout: 60 })
    expect(lifetimeOf(override.ID_TOKEN ?? '')).toBe(60)
  })
})
