/**
 * Issue 11, item 1: `crypto: 'sync' | 'threadpool' | 'auto'` changes where the signature is
 * checked, never what is decided. Every failure class gets the same code and status in every
 * mode, one at a time and as a concurrent mix, and the signature is still checked before any
 * claim (a forged token that is also expired or for another audience is ERR_SIGNATURE_INVALID).
 */

import {
  createMemoryReplayStore,
  createVerifier,
  type CryptoMode,
  type Verifier,
} from '@gitlab-id-token/core'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { flipBit } from './support/forge.js'

const AUDIENCE = 'https://crypto-modes.example.com'
const MODES: readonly CryptoMode[] = ['sync', 'threadpool', 'auto']
const policy = {
  allow: [{ name: 'widget', match: { project_path: 'acme/widget' }, grants: ['deploy'] }],
}

interface Case {
  readonly name: string
  readonly token: () => string
  /**
   * `ok`, or the code and status every mode must answer. `kid-miss`: 401 `ERR_KEY_NOT_FOUND` or,
   * while the key set's refetch budget is spent, 503 `ERR_JWKS_UNAVAILABLE` — the key provider's
   * decision, which this suite only requires to be the same in every mode.
   */
  readonly expected: 'ok' | 'kid-miss' | readonly [code: string, status: number]
}

let gitlab: MockGitlab
beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterAll(() => gitlab.close())

const HOUR = 3600_000
const mint = (
  claims: Record<string, unknown> = {},
  options: Parameters<MockGitlab['mint']>[1] = {},
) => gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget', ...claims }, options)
const forged = (
  claims: Record<string, unknown> = {},
  options: Parameters<MockGitlab['mint']>[1] = {},
) => flipBit(mint(claims, options), 2, 17)

const CASES: readonly Case[] = [
  { name: 'valid', token: () => mint(), expected: 'ok' },
  { name: 'not a JWS', token: () => 'a.b', expected: ['ERR_TOKEN_MALFORMED', 401] },
  {
    name: 'alg not allowed',
    token: () => mint({}, { header: { alg: 'RS512' } }),
    expected: ['ERR_ALGORITHM_NOT_ALLOWED', 401],
  },
  {
    name: 'untrusted issuer',
    token: () => mint({ iss: 'https://gitlab.evil.example' }),
    expected: ['ERR_ISSUER_UNTRUSTED', 401],
  },
  {
    name: 'unknown kid',
    token: () => mint({}, { header: { kid: 'no-such-kid' } }),
    expected: 'kid-miss',
  },
  { name: 'bad signature', token: () => forged(), expected: ['ERR_SIGNATURE_INVALID', 401] },
  {
    name: 'bad signature and expired',
    token: () => forged({}, { now: Date.now() - 3 * HOUR, expiresIn: 60 }),
    expected: ['ERR_SIGNATURE_INVALID', 401],
  },
  {
    name: 'bad signature and another audience',
    token: () => forged({ aud: 'https://other.example' }),
    expected: ['ERR_SIGNATURE_INVALID', 401],
  },
  {
    name: 'bad signature and denied by policy',
    token: () => forged({ project_path: 'evil/repo' }),
    expected: ['ERR_SIGNATURE_INVALID', 401],
  },
  {
    name: 'another audience',
    token: () => mint({ aud: 'https://other.example' }),
    expected: ['ERR_AUDIENCE_MISMATCH', 401],
  },
  {
    name: 'user-login token',
    token: () => gitlab.mintUserToken({ aud: AUDIENCE }),
    expected: ['ERR_NOT_A_CI_TOKEN', 401],
  },
  {
    name: 'expired',
    token: () => mint({}, { now: Date.now() - 3 * HOUR, expiresIn: 60 }),
    expected: ['ERR_TOKEN_EXPIRED', 401],
  },
  {
    name: 'not yet valid',
    token: () => mint({}, { now: Date.now() + HOUR }),
    expected: ['ERR_TOKEN_NOT_YET_VALID', 401],
  },
  {
    name: 'too old for maxTokenAge',
    token: () => mint({}, { now: Date.now() - HOUR / 2, expiresIn: 2 * 3600 }),
    expected: ['ERR_TOKEN_TOO_OLD', 401],
  },
  {
    name: 'denied by policy',
    token: () => mint({ project_path: 'evil/repo' }),
    expected: ['ERR_POLICY_DENIED', 403],
  },
]

async function verifierFor(crypto: CryptoMode): Promise<Verifier> {
  const verifier = createVerifier({
    audience: AUDIENCE,
    issuer: gitlab.issuer,
    policy,
    crypto,
    maxTokenAge: 600,
    replay: { store: createMemoryReplayStore() },
  })
  modes.set(verifier, crypto)
  await verifier.ready()
  return verifier
}

type Outcome = 'ok' | 'kid-miss' | [string, number]

async function outcome(verifier: Verifier, token: string): Promise<Outcome> {
  try {
    await verifier.verify(token)
    return 'ok'
  } catch (error) {
    const { code, status } = error as { code: string; status: number }
    if (
      (code === 'ERR_KEY_NOT_FOUND' && status === 401) ||
      (code === 'ERR_JWKS_UNAVAILABLE' && status === 503)
    ) {
      kidMisses.add(`${mode(verifier)}:${code}`)
      return 'kid-miss'
    }
    return [code, status]
  }
}

// Which answer each mode gave to a kid miss, after ready(): the same in every mode.
const kidMisses = new Set<string>()
const modes = new WeakMap<Verifier, CryptoMode>()
const mode = (verifier: Verifier): string => modes.get(verifier) ?? '?'

describe.each(MODES)("crypto: '%s'", (cryptoMode) => {
  it('answers every failure class with the same code and status, one at a time', async () => {
    const verifier = await verifierFor(cryptoMode)
    for (const c of CASES)
      expect([c.name, await outcome(verifier, c.token())]).toEqual([c.name, c.expected])
  })

  it('answers the same in a concurrent mix of every class, three tokens each', async () => {
    const verifier = await verifierFor(cryptoMode)
    const runs = CASES.flatMap((c) =>
      [c, c, c].map((k) => ({ name: k.name, expected: k.expected, token: k.token() })),
    )
    const results = await Promise.all(runs.map((run) => outcome(verifier, run.token)))
    expect(results.map((result, i) => [runs[i]!.name, result])).toEqual(
      runs.map((run) => [run.name, run.expected]),
    )
  })

  it('refuses the second of two concurrent uses of one token as replayed', async () => {
    const verifier = await verifierFor(cryptoMode)
    const token = mint()
    const results = await Promise.all([outcome(verifier, token), outcome(verifier, token)])
    expect(results.sort()).toEqual([['ERR_TOKEN_REPLAYED', 401], 'ok'].sort())
  })
})

it('gave one answer to a kid miss across every mode', () => {
  const answers = new Set([...kidMisses].map((entry) => entry.split(':')[1]))
  expect(kidMisses.size).toBeGreaterThan(0)
  expect(answers.size).toBe(1)
})

it('gives the identical refusal in every mode: code, status, headers and body (request_id aside)', async () => {
  const wire = async (verifier: Verifier, token: string): Promise<string> => {
    try {
      await verifier.verify(token)
      return 'ok'
    } catch (error) {
      const refusal = error as {
        code: string
        status: number
        headers: Record<string, string>
        toJSON(): Record<string, unknown>
      }
      const { request_id: requestId, ...body } = refusal.toJSON()
      expect(requestId).toMatch(/^[\w-]{12}$/)
      return JSON.stringify([refusal.code, refusal.status, refusal.headers, body])
    }
  }
  // One token per case for every mode: the same bytes must get the same answer.
  const tokens = CASES.filter((c) => c.expected !== 'kid-miss').map((c) => [c.name, c.token()])
  const byMode = await Promise.all(
    MODES.map(async (cryptoMode) => {
      const verifier = await verifierFor(cryptoMode)
      const answers: [string, string][] = []
      for (const [name, token] of tokens) answers.push([name!, await wire(verifier, token!)])
      return answers
    }),
  )
  expect(byMode[1]).toEqual(byMode[0])
  expect(byMode[2]).toEqual(byMode[0])
  expect(byMode[0]!.find(([name]) => name === 'expired')?.[1]).toContain(
    'error=\\"invalid_token\\"',
  )
})
