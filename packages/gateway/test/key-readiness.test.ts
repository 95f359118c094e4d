import type { IssuerHealth, Verifier } from '@gitlab-id-token/core'
import { describe, expect, it } from 'vitest'
import { createKeyReadiness } from '../src/key-readiness.js'

function fakeVerifier(
  health: () => IssuerHealth[],
  ready: () => Promise<void> = async () => {},
): Verifier {
  return {
    health,
    ready,
    verify: async () => ({}) as never,
    describe: () => ({}) as never,
    explain: async () => ({}) as never,
  }
}
const entry = (issuer: string, usable: boolean, fetchedAt?: number): IssuerHealth => ({
  issuer,
  usable,
  kids: [],
  stale: false,
  ...(fetchedAt === undefined ? {} : { fetchedAt: new Date(fetchedAt) }),
})

describe('createKeyReadiness', () => {
  it('is ready only when every issuer is usable in every verifier', () => {
    let second = false
    const readiness = createKeyReadiness({
      issuers: [{ issuer: 'https://a.example' }],
      verifiers: [
        fakeVerifier(() => [entry('https://a.example', true, 1000)]),
        fakeVerifier(() => [entry('https://a.example', second)]),
      ],
      now: () => 11_000,
    })
    expect(readiness.ready()).toBe(false)
    expect(readiness.gauges()).toEqual([
      { issuer: 'https://a.example', stale: true, ageSeconds: 10 },
    ])
    second = true
    expect(readiness.ready()).toBe(true)
    expect(readiness.gauges()[0]?.stale).toBe(false)
  })

  it('warm() loads every verifier but never waits longer than its timeout', async () => {
    let loads = 0
    const hanging = fakeVerifier(
      () => [],
      () => ((loads += 1), new Promise<void>(() => {})),
    )
    const readiness = createKeyReadiness({
      issuers: [{ issuer: 'https://a.example' }],
      verifiers: [hanging, hanging],
    })
    await readiness.warm(20)
    expect(loads).toBe(1)
    expect(readiness.ready()).toBe(false)
  })
})
