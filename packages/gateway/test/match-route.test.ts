import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hostMatches, matchRoute } from '../src/match-route.js'
import { normalizePath } from '../src/normalize.js'
import { route } from './fixtures.js'

const routes = [
  route({
    name: 'deploy',
    index: 0,
    host: 'deploy.acme.example',
    path: '/deploy',
    methods: new Set(['POST']),
  }),
  route({ name: 'wild', index: 1, host: '*.acme.example', path: '/' }),
  route({ name: 'any', index: 2, path: '/public' }),
]

describe('matchRoute', () => {
  it('takes the first matching route and says why the earlier ones did not match', () => {
    const match = matchRoute(
      { routes },
      { method: 'get', host: 'Deploy.Acme.Example.', url: '/deploy/x?y' },
    )
    expect(match.route?.name).toBe('wild')
    expect(match.reasons).toEqual([{ route: 'deploy', why: 'method GET is not one of POST' }])
    expect(match.path).toBe('/deploy/x')
    expect(match.host).toBe('deploy.acme.example')
  })

  it('returns no route and every reason when nothing matches', () => {
    const match = matchRoute({ routes }, { method: 'GET', host: 'other.example', url: '/deployer' })
    expect(match.route).toBeUndefined()
    expect(match.reasons.map((r) => r.route)).toEqual(['deploy', 'wild', 'any'])
    expect(match.reasons[2]?.why).toBe('path /deployer is not under /public')
  })

  it('normalises before matching: a dot segment cannot escape a prefix', () => {
    expect(
      matchRoute({ routes }, { method: 'GET', host: 'x.example', url: '/public/../admin' }).route,
    ).toBeUndefined()
    expect(
      matchRoute({ routes }, { method: 'GET', host: 'x.example', url: '/admin/../public/a' }).route
        ?.name,
    ).toBe('any')
  })

  it('compares a route port when one is configured', () => {
    const ported = [route({ name: 'p', host: 'a.example', port: '8443', path: '/' })]
    expect(
      matchRoute({ routes: ported }, { method: 'GET', host: 'a.example:8443', url: '/' }).route
        ?.name,
    ).toBe('p')
    expect(
      matchRoute({ routes: ported }, { method: 'GET', host: 'a.example', url: '/' }).reasons[0]
        ?.why,
    ).toBe('port (none) is not 8443')
  })
})

describe('hostMatches', () => {
  it('lets *.suffix match exactly one label', () => {
    expect(hostMatches('*.acme.example', 'a.acme.example')).toBe(true)
    expect(hostMatches('*.acme.example', 'a.b.acme.example')).toBe(false)
    expect(hostMatches('*.acme.example', 'acme.example')).toBe(false)
    expect(hostMatches(undefined, 'anything')).toBe(true)
  })
})

describe('matchRoute and normalizePath (property)', () => {
  const segment = fc.constantFrom(
    'public',
    'admin',
    'deploy',
    'deployer',
    '.',
    '..',
    '',
    '%2e',
    '%2E%2e',
    'a',
    '%61dmin',
  )
  it('never sends a path to another route than its normalised form', () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
        const url = `/${segments.join('/')}`
        let normalised: string
        try {
          normalised = normalizePath(url)
        } catch {
          return // refused (400): routed nowhere
        }
        const direct = matchRoute({ routes }, { method: 'POST', host: 'deploy.acme.example', url })
        const again = matchRoute(
          { routes },
          { method: 'POST', host: 'deploy.acme.example', url: normalised },
        )
        expect(direct.route?.name).toBe(again.route?.name)
        expect(normalizePath(normalised)).toBe(normalised)
      }),
      { numRuns: 500 },
    )
  })
})
