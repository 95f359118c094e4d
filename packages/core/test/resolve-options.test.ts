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
      cooldownMs: 5_000,
      timeoutMs: 5_000,
      maxStaleMs: 86_400_000,
      resultCacheMax: 1000,
      crypto: 'sync',
      replay: undefined,
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

  it.each([
    [
      'a misspelt top-level key',
      { ...base, maxTokenAgeSeconds: 60 },
      /"maxTokenAgeSeconds" is not an option; known options: audience, issuer, policy/,
    ],
    [
      'a key in the wrong case',
      { ...base, clocktolerance: 5 },
      /"clocktolerance" is not an option; did you mean "clockTolerance"\?/,
    ],
    [
      'an unknown jwks key',
      { ...base, jwks: { cooldownSeconds: 5 } },
      /"jwks.cooldownSeconds" is not an option; known "jwks" keys: cacheMaxAge, cooldown/,
    ],
    [
      'an unknown cache key',
      { ...base, cache: { maxEntries: 5 } },
      /"cache.maxEntries" is not an option; known "cache" keys: max/,
    ],
    [
      'an unknown issuer key',
      { ...base, issuer: [{ issuer: 'https://gitlab.example.com', jwks_uri: 'x' }] },
      /"issuer.jwks_uri" is not an option/,
    ],
    [
      'an unknown replay key',
      { ...base, replay: { store: { remember: (): boolean => true }, ttl: 5 } },
      /"replay.ttl" is not an option/,
    ],
    [
      'an unknown replay.only key',
      { ...base, replay: { store: { remember: (): boolean => true }, only: { rule: ['x'] } } },
      /"replay.only.rule" is not an option; did you mean|known "replay.only" keys: rules, grants/,
    ],
  ])('refuses %s, naming the known keys', (_name, options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(configErrorMatching(message))
  })

  it('refuses adapter-only keys: the adapters strip them before createVerifier', () => {
    expect(() => resolveOptions({ ...base, getToken: () => 'x' } as never)).toThrow(
      configErrorMatching(/"getToken" is not an option/),
    )
  })

  it.each([
    [
      'clockTolerance 1e9 (a year-old token would pass)',
      { ...base, clockTolerance: 1e9 },
      /clockTolerance/,
    ],
    [
      'clockTolerance above 300 s',
      { ...base, clockTolerance: 301 },
      /above 300 s.*allowLargeClockTolerance/,
    ],
    [
      'maxTokenAge in milliseconds',
      { ...base, maxTokenAge: 3_600_000 },
      /"maxTokenAge" is 3600000 s, above/,
    ],
    [
      'a jwks.timeout in milliseconds',
      { ...base, jwks: { timeout: 5000 } },
      /"jwks.timeout" is 5000 s/,
    ],
    ['a zero jwks.timeout', { ...base, jwks: { timeout: 0 } }, /"jwks.timeout" must be above 0/],
    [
      'a non-boolean allowLargeClockTolerance',
      { ...base, allowLargeClockTolerance: 'yes' },
      /allowLargeClockTolerance/,
    ],
    [
      'an unknown crypto mode',
      { ...base, crypto: 'worker' },
      /"crypto" must be one of "sync", "threadpool", "auto"/,
    ],
    [
      'a non-function onDecision',
      { ...base, onDecision: 'log' },
      /"onDecision" must be a function/,
    ],
    ['a cache that is not an object', { ...base, cache: 5 }, /"cache" must be an object/],
  ])('bounds durations: refuses %s', (_name, options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(configErrorMatching(message))
  })

  it('accepts a large clockTolerance only with the explicit override', () => {
    expect(
      resolveOptions({ ...base, clockTolerance: 600, allowLargeClockTolerance: true })
        .clockTolerance,
    ).toBe(600)
  })

  it.each([
    [
      'a trailing slash',
      'https://gitlab.example.com/',
      /"https:\/\/gitlab.example.com\/" ends in a slash.*Set "issuer" to "https:\/\/gitlab.example.com"; or.*"jwksUri"/,
    ],
    ['an upper-case host', 'https://GitLab.example.com', /"https:\/\/gitlab.example.com"/],
    ['a default port', 'https://gitlab.example.com:443', /"https:\/\/gitlab.example.com"/],
    ['a query', 'https://gitlab.example.com/?x=1', /"https:\/\/gitlab.example.com"/],
  ])('refuses an issuer with %s, naming what GitLab sends', (_name, issuer, message) => {
    expect(() => resolveOptions({ ...base, issuer })).toThrow(configErrorMatching(message))
  })

  it('keeps a trailing-slash issuer only with an explicit key source (the issuer_url override)', () => {
    const issuer = 'https://ci.example.com/'
    const jwksUri = 'https://gitlab.example.com/oauth/discovery/keys'
    expect([...resolveOptions({ ...base, issuer: { issuer, jwksUri } }).issuers.keys()]).toEqual([
      issuer,
    ])
    const jwks = { keys: [] }
    expect([...resolveOptions({ ...base, issuer: { issuer, jwks } }).issuers.keys()]).toEqual([
      issuer,
    ])
    // Two slashes, or a slash plus a query, are never an override GitLab emits.
    for (const spelt of ['https://ci.example.com//', 'https://ci.example.com/?x=1']) {
      expect(() => resolveOptions({ ...base, issuer: { issuer: spelt, jwksUri } })).toThrow(
        configErrorMatching(/can never equal/),
      )
    }
  })

  it('keeps a relative-root issuer as it is', () => {
    const { issuers } = resolveOptions({ ...base, issuer: 'https://example.com/gitlab' })
    expect([...issuers.keys()]).toEqual(['https://example.com/gitlab'])
  })

  it('refuses an audience with surrounding whitespace', () => {
    expect(() => resolveOptions({ ...base, audience: 'https://deploy.example.com ' })).toThrow(
      configErrorMatching(/surrounding whitespace/),
    )
  })
})

describe('the replay option', () => {
  const store = { remember: () => true }
  const named = {
    allow: [
      { name: 'deploy', match: { project_id: '42' }, grants: ['deploy:prod'] },
      { match: { project_id: '43' }, grants: ['read'] },
    ],
  }

  it('defaults to a 1 s deadline for every token', () => {
    expect(resolveOptions({ ...base, replay: { store } }).replay).toEqual({
      store,
      timeoutMs: 1000,
      rules: undefined,
      grants: undefined,
    })
  })

  it('scopes to named rules (allow[i] for unnamed ones) and grants', () => {
    const replay = resolveOptions({
      ...base,
      policy: named,
      replay: { store, only: { rules: ['allow[1]'], grants: ['deploy:prod'] } },
    }).replay
    expect([...(replay?.rules ?? [])]).toEqual(['allow[1]'])
    expect([...(replay?.grants ?? [])]).toEqual(['deploy:prod'])
  })

  it.each([
    ['a store without remember()', { store: {} }, /remember/],
    ['a zero timeout', { store, timeout: 0 }, /replay.timeout/],
    ['a timeout in milliseconds', { store, timeout: 1000 }, /replay.timeout/],
    [
      'an only naming a rule the policy lacks',
      { store, only: { rules: ['deploy-prod'] } },
      /"replay.only.rules" names "deploy-prod", which no allow rule is called; known: deploy, allow\[1\]/,
    ],
    [
      'an only naming a grant no rule gives',
      { store, only: { grants: ['deploy'] } },
      /"replay.only.grants" names "deploy".*known: deploy:prod, read/,
    ],
    ['an empty only', { store, only: {} }, /at least one rule or grant/],
  ])('refuses %s: a typo would switch protection off', (_name, replay, message) => {
    expect(() => resolveOptions({ ...base, policy: named, replay } as never)).toThrow(
      configErrorMatching(message),
    )
  })
})
