import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeToken } from '../src/decode.js'
import { GitlabIdTokenError } from '../src/errors.js'
import { explainToken } from '../src/explain.js'
import type { Explanation } from '../src/explain-types.js'
import { KeyProvider } from '../src/key-provider.js'
import { compilePolicy } from '../src/policy.js'
import type { Policy } from '../src/policy-types.js'
import { resolveOptions } from '../src/resolve-options.js'
import type { VerifierOptions } from '../src/types.js'
import type { VerifierInternals } from '../src/verifier-internals.js'

const AUDIENCE = 'https://deploy.example.com'
const policy: Policy = {
  allow: [
    {
      name: 'production',
      match: { project_id: '4242', ref_protected: true, environment: 'production' },
      grants: ['deploy:production'],
    },
    {
      name: 'staging',
      match: { namespace_path: ['acme', { glob: 'acme/**' }], environment: 'staging' },
      grants: ['deploy:staging'],
    },
  ],
  deny: [{ name: 'no-mr', match: { pipeline_source: 'merge_request_event' } }],
}

let gitlab: MockGitlab
const clock = Date.parse('2026-12-01T10:00:00Z')

// The verifier's own parts, assembled the way createVerifier does, so these tests do not depend
// on how the verifier exposes them.
function internals(options: Partial<VerifierOptions> = {}): VerifierInternals {
  const full: VerifierOptions = {
    audience: AUDIENCE,
    issuer: gitlab.issuer,
    policy,
    now: () => clock,
    ...options,
  }
  const settings = resolveOptions(full)
  const providers = new Map(
    [...settings.issuers].map(([issuer, config]) => [issuer, new KeyProvider(config, settings)]),
  )
  return {
    settings,
    providers,
    policy: compilePolicy(full.policy),
    options: full,
    decode: (token) => decodeToken(token, settings.maxTokenLength),
    checkHeader: (header) => {
      const spec = typeof header.alg === 'string' ? settings.algorithms.get(header.alg) : undefined
      if (spec === undefined) throw new GitlabIdTokenError('ERR_ALGORITHM_NOT_ALLOWED')
      return spec
    },
  }
}

const mint = (overrides: Record<string, unknown> = {}, now = clock) =>
  gitlab.mint(
    {
      aud: AUDIENCE,
      project_path: 'acme/widget',
      project_id: '4242',
      ref: 'main',
      environment: 'production',
      ...overrides,
    },
    { now },
  )

const check = (report: Explanation, name: string) => report.checks.find((c) => c.name === name)
const rule = (report: Explanation, name: string) => report.rules.find((r) => r.name === name)

beforeAll(async () => {
  gitlab = await createMockGitlab({ now: () => clock })
})
afterAll(() => gitlab.close())

describe('explainToken', () => {
  it('passes every check of an allowed token and lists each rule', async () => {
    const report = await explainToken(mint(), internals(), { require: ['deploy:production'] })
    expect(report).toMatchObject({
      ok: true,
      verified: true,
      grants: ['deploy:production'],
      matchedRules: ['production'],
    })
    expect(report.code).toBeUndefined()
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['shape', 'pass'],
      ['algorithm', 'pass'],
      ['issuer', 'pass'],
      ['key', 'pass'],
      ['signature', 'pass'],
      ['audience', 'pass'],
      ['ci-token', 'pass'],
      ['time', 'pass'],
      ['policy', 'pass'],
      ['grants', 'pass'],
    ])
    expect(report.checks.filter((c) => c.unverified)).toEqual([])
    expect(rule(report, 'staging')).toMatchObject({
      kind: 'allow',
      matched: false,
      failures: [{ claim: 'environment', expected: '"staging"', actual: 'production' }],
    })
    expect(rule(report, 'no-mr')).toMatchObject({ kind: 'deny', matched: false, grants: [] })
    expect(report.identity).toMatchObject({ verified: true, project_id: '4242' })
  })

  it('reports several failures at once, each with expected and actual, coded as verify() would', async () => {
    const token = mint(
      { aud: 'https://other.example', ref: 'fix/typo', project_id: '99' },
      clock - 2 * 3600_000,
    )
    const report = await explainToken(token, internals())
    expect(report).toMatchObject({ ok: false, verified: true, code: 'ERR_AUDIENCE_MISMATCH' })
    expect(report.status).toBe(401)
    const failed = report.checks.filter((c) => c.status === 'fail').map((c) => [c.name, c.code])
    expect(failed).toEqual([
      ['audience', 'ERR_AUDIENCE_MISMATCH'],
      ['time', 'ERR_TOKEN_EXPIRED'],
      ['policy', 'ERR_POLICY_DENIED'],
    ])
    expect(check(report, 'audience')?.details).toMatchObject({
      received: 'https://other.example',
      accepted: [AUDIENCE],
    })
    expect(rule(report, 'production')?.failures.map((f) => f.claim)).toEqual([
      'project_id',
      'ref_protected',
    ])
    expect(report.grants).toEqual([])
  })

  it('says why the key and signature checks could not run, and marks the claims unverified', async () => {
    const untrusted = await explainToken(mint(), internals({ issuer: 'https://gitlab.example' }))
    expect(untrusted).toMatchObject({ ok: false, verified: false, code: 'ERR_ISSUER_UNTRUSTED' })
    expect(check(untrusted, 'key')).toMatchObject({ status: 'skip' })
    expect(check(untrusted, 'key')?.summary).toMatch(/issuer is not trusted/)
    expect(check(untrusted, 'signature')?.summary).toMatch(/unverified/)
    expect(check(untrusted, 'policy')).toMatchObject({ status: 'pass', unverified: true })

    const offline = await explainToken(mint(), internals(), { verifySignature: false })
    expect(offline).toMatchObject({ ok: true, verified: false })
    expect(offline.identity?.verified).toBe(false)
    expect(check(offline, 'signature')).toMatchObject({ status: 'skip' })
    expect(check(offline, 'policy')).toMatchObject({ status: 'pass', unverified: true })
  })

  it('reports an unknown kid and a forged signature', async () => {
    const unknownKid = await explainToken(
      gitlab.sign(gitlab.buildClaims({ aud: AUDIENCE }), { header: { kid: 'nope' } }),
      internals(),
    )
    expect(unknownKid.code).toBe('ERR_KEY_NOT_FOUND')
    expect(check(unknownKid, 'signature')?.status).toBe('skip')

    const [h, p] = mint().split('.')
    const forged = await explainToken(`${h}.${p}.${mint({ ref: 'x' }).split('.')[2]}`, internals())
    expect(forged).toMatchObject({ code: 'ERR_SIGNATURE_INVALID', verified: false })
    expect(check(forged, 'policy')?.unverified).toBe(true)
  })

  it('names a matching deny rule, the missing grant, and the rule that would give it', async () => {
    const mr = await explainToken(
      mint({ pipeline_source: 'merge_request_event', ref_protected: 'true' }),
      internals(),
    )
    expect(mr.code).toBe('ERR_POLICY_DENIED')
    expect(rule(mr, 'no-mr')?.matched).toBe(true)
    expect(check(mr, 'policy')?.summary).toMatch(/no-mr/)

    const staging = mint({ environment: 'staging', project_path: 'acme/api', project_id: '7' })
    const report = await explainToken(staging, internals(), { require: ['deploy:production'] })
    expect(report).toMatchObject({ code: 'ERR_INSUFFICIENT_SCOPE', status: 403 })
    expect(check(report, 'grants')?.details).toMatchObject({
      missing: ['deploy:production'],
      candidates: [{ rule: 'production', failures: expect.any(Array) }],
    })
  })

  it('does not run function matchers behind a failing pin, and says so', async () => {
    const calls: string[] = []
    const spy = (name: string) => () => (calls.push(name), true)
    const own: Policy = {
      allow: [
        { name: 'pinned', match: { project_id: '1', ref: spy('pinned') } },
        { name: 'open', match: { project_id: '4242' } },
      ],
      deny: [{ name: 'fn-deny', match: { ref: spy('deny') } }],
    }
    const report = await explainToken(mint(), internals({ policy: own }))
    expect(rule(report, 'pinned')).toMatchObject({ matched: false, notRun: ['ref'] })
    expect(rule(report, 'fn-deny')).toMatchObject({ matched: true })
    expect(calls).not.toContain('pinned')
    expect(report.code).toBe('ERR_POLICY_DENIED')
  })

  it('skips everything after the shape when the token cannot be decoded', async () => {
    const report = await explainToken('not-a-jwt', internals())
    expect(report).toMatchObject({ ok: false, code: 'ERR_TOKEN_MALFORMED', rules: [] })
    expect(report.checks.slice(1).every((c) => c.status === 'skip')).toBe(true)
    expect(report.claims).toBeUndefined()
  })

  it('checks the time at the given clock, and can leave out the audience', async () => {
    const report = await explainToken(mint({ aud: 'x' }), internals(), {
      now: clock + 2 * 3600_000,
      checkAudience: false,
    })
    expect(check(report, 'audience')?.status).toBe('skip')
    expect(report.code).toBe('ERR_TOKEN_EXPIRED')
  })

  it('reports every failing time rule at once, the first being what verify() throws', async () => {
    const times = (report: Explanation) =>
      report.checks.filter((c) => c.name === 'time').map((c) => [c.status, c.code, c.details])
    // Issued 3 h before the clock, valid 1 h, and maxTokenAge 10 min: expired and too old.
    const old = mint({}, clock - 3 * 3600_000)
    const iat = (clock - 3 * 3600_000) / 1000
    const expired = await explainToken(old, internals({ maxTokenAge: 600 }))
    const now = clock / 1000
    const facts = { now, clockTolerance: 30, maxTokenAge: 600 }
    expect(times(expired)).toEqual([
      ['fail', 'ERR_TOKEN_EXPIRED', { claim: 'exp', value: iat + 3600, ...facts }],
      ['fail', 'ERR_TOKEN_TOO_OLD', { claim: 'iat', value: iat, ...facts }],
    ])
    expect(expired.code).toBe('ERR_TOKEN_EXPIRED')
    expect(check(expired, 'time')?.summary).toBe(
      'exp 2026-12-01T08:00:00.000Z at 2026-12-01T10:00:00.000Z (tolerance 30 s): token expired (exp)',
    )
    // Minted 2 h ahead of the clock: nbf and iat both in the future.
    const future = await explainToken(mint({}, clock + 2 * 3600_000), internals())
    expect(
      times(future).map(([status, code, details]) => [
        status,
        code,
        (details as { claim: string }).claim,
      ]),
    ).toEqual([
      ['fail', 'ERR_TOKEN_NOT_YET_VALID', 'nbf'],
      ['fail', 'ERR_TOKEN_NOT_YET_VALID', 'iat'],
    ])
    // Not numeric: reported, and the other time rules still run.
    const broken = await explainToken(
      gitlab.sign({ ...gitlab.buildClaims({ aud: AUDIENCE }), exp: 'soon', iat: now + 7200 }),
      internals(),
    )
    expect(
      times(broken).map(([, code, details]) => [code, (details as { claim: string }).claim]),
    ).toEqual([
      ['ERR_TOKEN_MALFORMED', 'exp'],
      ['ERR_TOKEN_NOT_YET_VALID', 'iat'],
    ])
    const fresh = await explainToken(mint(), internals({ maxTokenAge: 600 }))
    expect(times(fresh)).toEqual([['pass', undefined, undefined]])
    expect(check(fresh, 'time')?.summary).toBe('valid at 2026-12-01T10:00:00.000Z')
  })
})
