import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inspectToken, tokenFingerprint } from '../src/inspect-token.js'

let gitlab: MockGitlab
const clock = Date.parse('2026-12-01T10:00:00Z')

beforeAll(async () => {
  gitlab = await createMockGitlab({ now: () => clock })
})
afterAll(() => gitlab.close())

const codes = (token: string, now = clock) =>
  inspectToken(token, { now }).warnings.map((w) => w.code)

describe('inspectToken', () => {
  it('decodes without verifying, with times and a fingerprint instead of the token', () => {
    const token = gitlab.mint({ project_path: 'acme/widget', jti: 'j-1' })
    const inspected = inspectToken(token, { now: clock + 60_000 })
    expect(inspected).toMatchObject({
      verified: false,
      kind: 'ci',
      header: { alg: 'RS256', kid: gitlab.ciKey.kid },
      claims: { project_path: 'acme/widget' },
      identity: { verified: false, jti: 'j-1', project_path: 'acme/widget' },
      times: { lifetimeSeconds: 3600, expiresInSeconds: 3540 },
    })
    expect(inspected.times.expiresAt?.toISOString()).toBe('2026-12-01T11:00:00.000Z')
    expect(inspected.fingerprint).toBe(tokenFingerprint(token))
    expect(inspected.fingerprint).toMatch(/^sha256:[0-9a-f]{16}$/)
    expect(JSON.stringify(inspected)).not.toContain(token.split('.')[2])
  })

  it('warns about user-login tokens, expiry, ref_protected "" and fork merge requests', () => {
    expect(codes(gitlab.mintUserToken())).toContain('user-login-token')
    expect(codes(gitlab.mint(), clock + 2 * 3600_000)).toContain('expired')
    expect(codes(gitlab.mint({}, { now: clock + 600_000 }))).toContain('not-yet-valid')
    expect(codes(gitlab.mint({ ref_protected: '' }))).toContain('ref-protected-empty')
    const fork = gitlab.mint({ project_path: 'mallory/widget', job_project_path: 'acme/widget' })
    const warning = inspectToken(fork, { now: clock }).warnings.find(
      (w) => w.code === 'fork-merge-request',
    )
    expect(warning?.message).toMatch(/mallory\/widget.*acme\/widget/)
    expect(codes(gitlab.sign({ sub: 'x' }))).toContain('not-a-ci-token')
  })

  it('advises an ID pin for every path claim', () => {
    const hints = inspectToken(gitlab.mint(), { now: clock }).warnings.filter(
      (w) => w.code === 'path-claim',
    )
    expect(hints.map((w) => [w.claim, w.severity])).toEqual([
      ['project_path', 'info'],
      ['namespace_path', 'info'],
      ['user_login', 'info'],
    ])
    expect(codes(gitlab.mint())).not.toContain('fork-merge-request')
  })

  it('refuses what is not a compact JWS', () => {
    expect(() => inspectToken('a.b')).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_MALFORMED' }),
    )
    expect(() => inspectToken(42)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_MALFORMED' }))
  })
})
