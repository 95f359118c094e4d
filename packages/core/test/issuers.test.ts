import { describe, expect, it } from 'vitest'
import { isLoopbackHost, isTrustedUrl, resolveIssuers } from '../src/issuers.js'

const config = expect.objectContaining({ code: 'ERR_INVALID_CONFIG', status: 500 })

describe('resolveIssuers', () => {
  it('defaults to gitlab.com', () => {
    expect([...resolveIssuers(undefined).keys()]).toEqual(['https://gitlab.com'])
  })

  it('keeps each issuer verbatim, keyed by the exact iss string', () => {
    const issuers = resolveIssuers([
      'https://gitlab.example.com/gitlab',
      { issuer: 'https://oidc.example.com/', jwksUri: 'https://oidc.example.com/keys' },
      { issuer: 'https://airgap.example.com', jwks: { keys: [] } },
    ])
    expect([...issuers.keys()]).toEqual([
      'https://gitlab.example.com/gitlab',
      'https://oidc.example.com/',
      'https://airgap.example.com',
    ])
  })

  it.each([
    ['a bare host', 'gitlab.com'],
    ['plain http on a public host', 'http://gitlab.example.com'],
    ['credentials in the URL', 'https://user:pw@gitlab.example.com'],
    ['a fragment', 'https://gitlab.example.com#x'],
    ['an empty list', []],
    ['a non-string', 42],
  ])('refuses %s', (_name, issuer) => {
    expect(() => resolveIssuers(issuer as never)).toThrow(config)
  })

  it('refuses a duplicate issuer, jwksUri together with jwks, and an insecure jwksUri', () => {
    expect(() => resolveIssuers(['https://a.example', 'https://a.example'])).toThrow(config)
    expect(() =>
      resolveIssuers({
        issuer: 'https://a.example',
        jwksUri: 'https://a.example/k',
        jwks: { keys: [] },
      }),
    ).toThrow(config)
    expect(() =>
      resolveIssuers({ issuer: 'https://a.example', jwksUri: 'http://a.example/k' }),
    ).toThrow(config)
    expect(() => resolveIssuers({ issuer: 'https://a.example', jwks: {} as never })).toThrow(config)
  })
})

describe('loopback and trusted URLs', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '[::1]'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true)
  })

  it.each(['10.0.0.1', '128.0.0.1', 'localhost.evil.test', '127.0.0.1.evil.test'])(
    '%s is not',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false)
    },
  )

  it('allows http only on loopback', () => {
    expect(isTrustedUrl('http://127.0.0.1:8080/x')).toBe(true)
    expect(isTrustedUrl('http://[::1]:8080')).toBe(true)
    expect(isTrustedUrl('http://gitlab.example.com')).toBe(false)
    expect(isTrustedUrl('https://gitlab.example.com')).toBe(true)
    expect(isTrustedUrl('ftp://gitlab.example.com')).toBe(false)
    expect(isTrustedUrl('not a url')).toBe(false)
  })
})

describe('resolveIssuers: spellings GitLab never sends as iss', () => {
  const jwksUri = 'https://gitlab.example.com/oauth/discovery/keys'

  it.each([
    'https://GitLab.example.com',
    'https://gitlab.example.com:443',
    'https://x.example/?a=1',
  ])('refuses %s, naming the spelling GitLab sends', (issuer) => {
    expect(() => resolveIssuers(issuer)).toThrow(config)
    expect(() => resolveIssuers({ issuer, jwksUri })).toThrow(
      /can never equal a GitLab token's iss/,
    )
  })

  it('refuses a trailing slash with discovery, and says how to keep it for an issuer_url override', () => {
    expect(() => resolveIssuers('https://ci.example.com/')).toThrow(
      /ends in a slash.*Set "issuer" to "https:\/\/ci\.example\.com"; or, for such an override, keep the slash and set "jwksUri"/,
    )
  })

  it('keeps a trailing slash with jwksUri or jwks: the override is signed verbatim', () => {
    expect([...resolveIssuers({ issuer: 'https://ci.example.com/', jwksUri }).keys()]).toEqual([
      'https://ci.example.com/',
    ])
    const jwks = { keys: [] }
    expect([...resolveIssuers({ issuer: 'https://ci.example.com/', jwks }).keys()]).toEqual([
      'https://ci.example.com/',
    ])
  })
})
