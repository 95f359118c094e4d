import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../src/resolve-options.js'
import { configErrorMatching } from './fixtures.js'

const policy = { allow: [{ match: { project_id: '42' } }] }
const base = { audience: 'https://deploy.example.com', policy }

describe('resolveOptions', () => {
  it('applies the documented defaults, durations converted to milliseconds', () => {
    const resolved = resolveOptions(base)
    expect(resolved).toMatchObject({
      clockTolerance: 30,
      maxTokenAge: undefined,
      maxTokenLength: 32_768,
      cacheMaxAgeMs: 600_000,
      cooldownMs: 30_000,
      timeoutMs: 5_000,
      maxStaleMs: 86_400_000,
      resultCacheMax: 1000,
    })
    expect([...resolved.audiences]).toEqual(['https://deploy.example.com'])
    expect([...resolved.issuers.keys()]).toEqual(['https://gitlab.com'])
    expect([...resolved.algorithms.keys()]).toEqual(['RS256'])
  })

  it('accepts an audience list and disables the result cache with cache: false', () => {
    const resolved = resolveOptions({ ...base, audience: ['a', 'b'], cache: false })
    expect([...resolved.audiences]).toEqual(['a', 'b'])
    expect(resolved.resultCacheMax).toBe(0)
  })

  it.each([
    ['no audience', { ...base, audience: undefined }, /"audience" is required/],
    ['an empty audience list', { ...base, audience: [] }, /"audience" is required/],
    ['an empty audience string', { ...base, audience: [''] }, /non-empty strings/],
    ['a negative clockTolerance', { ...base, clockTolerance: -1 }, /clockTolerance/],
    ['a non-numeric cooldown', { ...base, jwks: { cooldown: '30' } }, /jwks.cooldown/],
    ['an infinite maxStale', { ...base, jwks: { maxStale: Infinity } }, /jwks.maxStale/],
    [
      'a non-function onFetchError',
      { ...base, jwks: { onFetchError: 'log' } },
      /jwks.onFetchError/,
    ],
    ['a zero maxTokenLength', { ...base, maxTokenLength: 0 }, /maxTokenLength/],
    ['HS256', { ...base, algorithms: ['HS256'] }, /must not contain "HS256"/],
    ['a bare-host issuer', { ...base, issuer: 'gitlab.com' }, /https:\/\//],
  ])('refuses %s', (_name, options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(configErrorMatching(message))
  })
})
