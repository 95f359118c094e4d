/**
 * `doctor` against a real mock GitLab: ok, down, wrong issuer, garbage, and a 500.
 */

import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from './support.js'

let ok: MockGitlab
let wrong: MockGitlab
let garbage: MockGitlab
let failing: MockGitlab
let downIssuer: string

beforeAll(async () => {
  ;[ok, wrong, garbage, failing] = (await Promise.all(
    [1, 2, 3, 4].map(() => createMockGitlab()),
  )) as [MockGitlab, MockGitlab, MockGitlab, MockGitlab]
  wrong.setDiscoveryResponse('wrong-issuer')
  garbage.setKeySetResponse('garbage')
  failing.setDiscoveryResponse('error')
  // A port that was just listening and is closed now: connection refused.
  const gone = await createMockGitlab()
  downIssuer = gone.issuer
  await gone.close()
})
afterAll(() => Promise.all([ok, wrong, garbage, failing].map((m) => m.close())))

const doctor = (issuer: string, json = true) =>
  cli(['doctor', '--issuer', issuer, '--timeout', '5', ...(json ? ['--json'] : [])])
const step = (report: Record<string, any>, name: string) =>
  report.steps.find((s: any) => s.step === name)

describe('doctor', () => {
  it('says ok, down, wrong issuer or garbage, each with its exit code', async () => {
    const [healthy, down, wrongIssuer, notJson, serverError] = await Promise.all([
      doctor(ok.issuer, false),
      doctor(downIssuer),
      doctor(wrong.issuer),
      doctor(garbage.issuer),
      doctor(failing.issuer),
    ])
    expect(healthy.code).toBe(0)
    expect(healthy.stdout).toMatch(/discovery +✓ ok +.*HTTP 200 in \d+ ms, Cache-Control/)
    expect(healthy.stdout).toMatch(/issuer +✓ ok +document's issuer equals/)
    expect(healthy.stdout).toMatch(
      new RegExp(`key +✓ ok +kid ${ok.ciKey.kid}: RSA RS256 use sig, 2048 bits`),
    )
    expect(healthy.stdout).toMatch(/clock +✓ ok/)
    expect(healthy.stdout).toMatch(/verifier +✓ ok +the core verifier loaded 2 usable key/)
    expect(healthy.stdout).toContain('tokens can be verified')

    expect([down.code, down.json().code]).toEqual([3, 'ERR_JWKS_UNAVAILABLE'])
    expect(step(down.json(), 'discovery').detail).toMatch(/no answer: ECONNREFUSED/)

    expect([wrongIssuer.code, wrongIssuer.json().code]).toEqual([1, 'ERR_ISSUER_MISCONFIGURED'])
    expect(step(wrongIssuer.json(), 'issuer').detail).toMatch(
      /document names ".*", configured ".*"/,
    )

    expect(notJson.code).toBe(1)
    expect(step(notJson.json(), 'key set')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/200 but not JSON/),
    })

    expect(serverError.code).toBe(3)
    expect(step(serverError.json(), 'discovery').detail).toMatch(/HTTP 500/)
  })
})
