/**
 * `explain` end to end: every check and rule, three failing rules at once, offline mode, the
 * human tables (snapshot) and the JSON document.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AT, AUD, CLOCK, DENIED_CLAIMS, ISSUER, WIDGET } from './fixtures/fixed-token.js'
import { cli, ROOT, stable } from './support.js'

const POLICY = join(ROOT, 'test/cli/fixtures/deploy-policy.yaml')

let gitlab: MockGitlab
let dir: string
let jwks: string
const widget = WIDGET
// Offline: a fixed issuer and its key set from a file, so the output does not depend on a port.
const flags = () => ['--audience', AUD, '--issuer', ISSUER, '--jwks', jwks, '--at', AT]

beforeAll(async () => {
  gitlab = await createMockGitlab({ issuer: ISSUER, now: () => CLOCK })
  dir = await mkdtemp(join(tmpdir(), 'gitlab-id-token-explain-'))
  jwks = join(dir, 'jwks.json')
  await writeFile(jwks, JSON.stringify(gitlab.keySet))
})
afterAll(async () => {
  await Promise.all([gitlab.close(), rm(dir, { recursive: true, force: true })])
})

describe('explain', () => {
  it("shows every check and every rule of the demo's denied token (snapshot)", async () => {
    const token = gitlab.sign(DENIED_CLAIMS)
    const run = await cli(['explain', '-', '--policy', POLICY, ...flags()], { stdin: token })
    expect(run.code).toBe(2)
    await expect(stable(run.stdout, { [gitlab.ciKey.kid]: '<kid>' })).toMatchFileSnapshot(
      '__snapshots__/explain-denied.txt',
    )
  })

  it('lists all three failing rules, each failing claim with expected and actual', async () => {
    const policy = join(dir, 'three.yaml')
    await writeFile(
      policy,
      [
        'allow:',
        '  - { name: prod, match: { project_id: "4242", ref_protected: true, environment: production } }',
        '  - { name: tags, match: { project_id: "4242", ref_type: tag } }',
        '  - { name: ops, match: { namespace_path: ops, environment: production } }',
        'deny:',
        '  - { name: no-mr, match: { pipeline_source: merge_request_event } }',
      ].join('\n'),
    )
    const token = gitlab.mint({ ...widget, ref: 'fix/typo' })
    const run = await cli(['explain', '-', '--json', '--policy', policy, ...flags()], {
      stdin: token,
    })
    expect(run.code).toBe(2)
    const report = run.json()
    expect(report).toMatchObject({
      version: 1,
      command: 'explain',
      ok: false,
      code: 'ERR_POLICY_DENIED',
      verified: true,
    })
    const rules = report.rules.map((r: any) => [
      r.name,
      r.kind,
      r.matched,
      r.failures.map((f: any) => f.claim),
    ])
    expect(rules).toEqual([
      ['prod', 'allow', false, ['ref_protected']],
      ['tags', 'allow', false, ['ref_type']],
      ['ops', 'allow', false, ['namespace_path']],
      ['no-mr', 'deny', false, ['pipeline_source']],
    ])
    expect(report.rules[0].failures[0]).toEqual({
      claim: 'ref_protected',
      expected: 'true',
      actual: 'false',
    })
    expect(report.token.fingerprint).toMatch(/^sha256:[0-9a-f]{16}$/)
    expect(run.stdout).not.toContain(token.split('.')[2])
  })

  it('reports several failing checks at once, and works offline with --no-verify', async () => {
    const token = gitlab.mint(
      { ...widget, aud: 'https://other.example', ref: 'fix/typo' },
      { now: CLOCK - 3 * 3600_000 },
    )
    const [online, offline, noPolicy] = await Promise.all([
      cli(['explain', '-', '--json', '--policy', POLICY, '--max-age', '600', ...flags()], {
        stdin: token,
      }),
      cli(['explain', '-', '--no-verify', '--policy', POLICY, '--issuer', ISSUER, '--at', AT], {
        stdin: token,
      }),
      cli(['explain', '-', '--audience', AUD], { stdin: token }),
    ])
    expect(online.code).toBe(1)
    const failed = online
      .json()
      .checks.filter((c: any) => c.status === 'fail')
      .map((c: any) => c.code)
    // Every failing time rule, not only the first: expired and older than --max-age.
    expect(failed).toEqual([
      'ERR_AUDIENCE_MISMATCH',
      'ERR_TOKEN_EXPIRED',
      'ERR_TOKEN_TOO_OLD',
      'ERR_POLICY_DENIED',
    ])
    expect(online.json().code).toBe('ERR_AUDIENCE_MISMATCH')
    expect(offline.code).toBe(1)
    expect(offline.stdout).toMatch(/NOT VERIFIED \(--no-verify/)
    expect(offline.stdout).toMatch(/audience +- skip +not checked: no audience was given/)
    expect(offline.stdout).toMatch(/signature +- skip +not checked \(offline\)/)
    expect(offline.stdout).toMatch(/time +✗ fail +ERR_TOKEN_EXPIRED .*\(unverified\)/)
    expect([noPolicy.code, noPolicy.stderr]).toEqual([
      4,
      expect.stringContaining('--policy is required'),
    ])
  })
})
