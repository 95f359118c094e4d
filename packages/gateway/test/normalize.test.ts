import { describe, expect, it } from 'vitest'
import { normalizeHost, normalizePath, underPrefix } from '../src/normalize.js'

const refused = (path: string) => {
  try {
    normalizePath(path)
  } catch (error) {
    return (error as { code?: string; status?: number }).code
  }
  return 'accepted'
}

describe('normalizePath', () => {
  it.each([
    ['/deploy/production', '/deploy/production'],
    ['/deploy/./production?force=1', '/deploy/production'],
    ['/a/../admin', '/admin'],
    ['//admin', '/admin'],
    ['/a//b/', '/a/b/'],
    ['/%61dmin', '/admin'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    ['/a/b/..', '/a/'],
    ['/a/.', '/a/'],
    ['/', '/'],
  ])('%s → %s', (input, output) => {
    expect(normalizePath(input)).toBe(output)
  })

  it.each([
    '/%2e%2e/admin',
    '/..',
    '/a%2Fb',
    '/a%2fb',
    '/a%5Cb',
    '/a%00',
    '/a\\b',
    '/bad%zz',
    '/trail%',
    'admin',
    'http://x/admin',
  ])('refuses %s with ERR_INVALID_REQUEST (400)', (input) => {
    expect(refused(input)).toBe('ERR_INVALID_REQUEST')
  })
})

describe('normalizeHost', () => {
  it('lowercases, drops the trailing dot and keeps the port apart', () => {
    expect(normalizeHost('Deploy.ACME.example.')).toEqual({ name: 'deploy.acme.example' })
    expect(normalizeHost('deploy.acme.example:8443')).toEqual({
      name: 'deploy.acme.example',
      port: '8443',
    })
    expect(normalizeHost('[::1]:80')).toEqual({ name: '[::1]', port: '80' })
  })
  it.each(['', 'a b', 'a..b', '.a', 'a/b', 'a:b:c'])('refuses %j', (value) => {
    expect(() => normalizeHost(value)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_REQUEST', status: 400 }),
    )
  })
})

describe('underPrefix', () => {
  it('matches on segment boundaries only', () => {
    expect(underPrefix('/deploy', '/deploy')).toBe(true)
    expect(underPrefix('/deploy/x', '/deploy')).toBe(true)
    expect(underPrefix('/deployer', '/deploy')).toBe(false)
    expect(underPrefix('/anything', '/')).toBe(true)
  })
})
