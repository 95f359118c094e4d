import { describe, expect, it } from 'vitest'
import { assertNoShadowing, compileRoute } from '../src/routes.js'
import { route } from './fixtures.js'

const loaded = { policy: { allow: [{ match: { project_id: '1' } }] }, policySource: 'inline' }
const raw = (path: string, extra: object = {}) => ({
  name: 'r',
  match: { path, ...extra },
  audience: 'https://a.example',
  policy: loaded.policy,
})

describe('compileRoute', () => {
  it('normalises the host and methods and drops a trailing slash', () => {
    const compiled = compileRoute(
      raw('/deploy/', { host: 'Deploy.Example.:8443', methods: ['post'] }),
      3,
      loaded,
      'g.yaml',
    )
    expect(compiled).toMatchObject({
      index: 3,
      path: '/deploy',
      host: 'deploy.example',
      port: '8443',
      audiences: ['https://a.example'],
      replay: false,
    })
    expect([...(compiled.methods ?? [])]).toEqual(['POST'])
  })

  it('refuses a path that is not written normalised, naming the key', () => {
    expect(() => compileRoute(raw('/a/../b'), 0, loaded, 'g.yaml')).toThrow(
      'g.yaml: routes[0] (r).match.path must be written normalised: /b',
    )
    expect(() => compileRoute(raw('/a%2Fb'), 0, loaded, 'g.yaml')).toThrow(
      /routes\[0\] \(r\)\.match\.path is not a plain path/,
    )
  })
})

describe('assertNoShadowing', () => {
  const shadowed = (earlier: Parameters<typeof route>[0], later: Parameters<typeof route>[0]) => {
    try {
      assertNoShadowing([route({ ...earlier, index: 0 }), route({ ...later, index: 1 })], 'g.yaml')
      return false
    } catch (error) {
      expect((error as { code: string }).code).toBe('ERR_INVALID_CONFIG')
      return true
    }
  }

  it('refuses a route an earlier one takes entirely', () => {
    expect(shadowed({ name: 'a', path: '/' }, { name: 'b', path: '/deploy' })).toBe(true)
    expect(
      shadowed({ name: 'a', path: '/deploy' }, { name: 'b', path: '/deploy/x', host: 'h.example' }),
    ).toBe(true)
    expect(
      shadowed(
        { name: 'a', path: '/d', host: '*.acme.example' },
        { name: 'b', path: '/d/x', host: 'x.acme.example' },
      ),
    ).toBe(true)
    expect(
      shadowed(
        { name: 'a', path: '/d', methods: new Set(['GET', 'POST']) },
        { name: 'b', path: '/d', methods: new Set(['POST']) },
      ),
    ).toBe(true)
  })

  it('accepts routes an earlier one only partly covers', () => {
    expect(shadowed({ name: 'a', path: '/deploy/x' }, { name: 'b', path: '/deploy' })).toBe(false)
    expect(shadowed({ name: 'a', path: '/deploy' }, { name: 'b', path: '/deployer' })).toBe(false)
    expect(shadowed({ name: 'a', path: '/', host: 'a.example' }, { name: 'b', path: '/' })).toBe(
      false,
    )
    expect(
      shadowed({ name: 'a', path: '/', methods: new Set(['GET']) }, { name: 'b', path: '/' }),
    ).toBe(false)
    expect(
      shadowed(
        { name: 'a', path: '/', host: 'x.acme.example' },
        { name: 'b', path: '/', host: '*.acme.example' },
      ),
    ).toBe(false)
  })

  it('names both routes, and refuses duplicate names', () => {
    expect(() =>
      assertNoShadowing(
        [route({ name: 'all', path: '/' }), route({ name: 'deploy', index: 1, path: '/deploy' })],
        'g.yaml',
      ),
    ).toThrow(
      'g.yaml: routes[1] (deploy) is shadowed by routes[0] (all), which matches every request it does: move it above, or narrow all',
    )
    expect(() =>
      assertNoShadowing(
        [route({ name: 'x', path: '/a' }), route({ name: 'x', index: 1, path: '/b' })],
        'g.yaml',
      ),
    ).toThrow(/"x" is used twice/)
  })
})
