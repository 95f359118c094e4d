import { describe, expect, it } from 'vitest'
import { GitlabIdTokenError } from '../src/errors.js'
import { needsReplayCheck, rememberToken, type ReplayCandidate } from '../src/replay-guard.js'
import type { ResolvedReplay } from '../src/resolve-replay.js'

const candidate = (claims: ReplayCandidate['claims'] = { jti: 'j-1', project_id: '42' }) => ({
  issuer: 'https://gitlab.example.com',
  claims,
  rules: ['read'],
  grants: ['read'],
  rememberUntilMs: 5_000,
})
const replay = (
  remember: ResolvedReplay['store']['remember'],
  extra: Partial<ResolvedReplay> = {},
) => ({
  store: { remember },
  timeoutMs: 1000,
  rules: undefined,
  grants: undefined,
  ...extra,
})

describe('rememberToken', () => {
  it('keys by issuer and jti, passes the tenant, and stays synchronous for a synchronous store', () => {
    const calls: unknown[] = []
    const result = rememberToken(
      replay((...args) => (calls.push(args), true)),
      candidate(),
    )
    expect(result).toBeUndefined()
    expect(calls).toEqual([
      [
        'https://gitlab.example.com\nj-1',
        5_000,
        { issuer: 'https://gitlab.example.com', jti: 'j-1', tenant: '42' },
      ],
    ])
  })

  it.each([[undefined], [''], ['x'.repeat(257)], [42]])(
    'refuses jti %o as ERR_TOKEN_MALFORMED',
    (jti) => {
      expect(() =>
        rememberToken(
          replay(() => true),
          candidate({ jti }),
        ),
      ).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_MALFORMED', status: 401 }))
    },
  )

  it("passes a store's own verdicts through, and wraps every other error", async () => {
    const full = new GitlabIdTokenError('ERR_REPLAY_UNAVAILABLE', 'full', {
      details: { reason: 'full' },
    })
    expect(() =>
      rememberToken(
        replay(() => {
          throw full
        }),
        candidate(),
      ),
    ).toThrow(full)
    const other = new GitlabIdTokenError('ERR_INVALID_CONFIG', 'oops')
    await expect(
      rememberToken(
        replay(() => Promise.reject(other)),
        candidate(),
      ),
    ).rejects.toMatchObject({
      code: 'ERR_REPLAY_UNAVAILABLE',
      cause: other,
      details: { reason: 'error' },
    })
  })
})

describe('needsReplayCheck', () => {
  it('applies to every token without only, and to matching rules or grants with it', () => {
    expect(
      needsReplayCheck(
        replay(() => true),
        candidate(),
      ),
    ).toBe(true)
    const deployOnly = replay(() => true, { grants: new Set(['deploy']) })
    expect(needsReplayCheck(deployOnly, candidate())).toBe(false)
    expect(needsReplayCheck(deployOnly, { ...candidate(), grants: ['read', 'deploy'] })).toBe(true)
    const ruleOnly = replay(() => true, { rules: new Set(['read']) })
    expect(needsReplayCheck(ruleOnly, candidate())).toBe(true)
  })
})
