import { describe, expect, it } from 'vitest'
import { compileGlob, globLiteralPrefix } from '../src/glob.js'

function matches(glob: string, value: string, caseInsensitive = false): boolean {
  return compileGlob(glob, { caseInsensitive }).test(value)
}

describe('compileGlob', () => {
  it('`*` matches any run without `/`, including the empty run', () => {
    expect(matches('release-*', 'release-1.2')).toBe(true)
    expect(matches('release-*', 'release-')).toBe(true)
    expect(matches('release-*', 'release-1/hotfix')).toBe(false)
    expect(matches('*/deployer', 'platform/deployer')).toBe(true)
    expect(matches('*/deployer', 'platform/infra/deployer')).toBe(false)
    expect(matches('*', '')).toBe(true)
  })

  it('`**` matches any run including `/`, including the empty run', () => {
    expect(matches('platform/**', 'platform/a')).toBe(true)
    expect(matches('platform/**', 'platform/a/b')).toBe(true)
    expect(matches('platform/**', 'platform/')).toBe(true)
    expect(matches('platform/**', 'platform')).toBe(false)
    expect(matches('platform/**', 'platformer/a')).toBe(false)
    expect(matches('**/deployer', 'a/b/c/deployer')).toBe(true)
    expect(matches('**', '')).toBe(true)
    expect(matches('a/**/z', 'a/z')).toBe(false)
    expect(matches('a/**/z', 'a//z')).toBe(true)
  })

  it('`?` matches exactly one character other than `/`', () => {
    expect(matches('v?', 'v1')).toBe(true)
    expect(matches('v?', 'v')).toBe(false)
    expect(matches('v?', 'v12')).toBe(false)
    expect(matches('v?', 'v/')).toBe(false)
    expect(matches('v?', 'v😀')).toBe(true)
  })

  it('treats every other character literally, regex metacharacters included', () => {
    expect(matches('a.b', 'a.b')).toBe(true)
    expect(matches('a.b', 'axb')).toBe(false)
    const literal = '^(x)+[y]{2}|$\\.-'
    expect(matches(literal, literal)).toBe(true)
    expect(matches(literal, 'xx')).toBe(false)
    expect(matches('v1.0-*', 'v1.0-rc1')).toBe(true)
    expect(matches('v1.0-*', 'v1x0-rc1')).toBe(false)
  })

  it('matches the whole value, never a substring', () => {
    expect(matches('main', 'main')).toBe(true)
    expect(matches('main', 'xmain')).toBe(false)
    expect(matches('main', 'main2')).toBe(false)
    expect(matches('', '')).toBe(true)
    expect(matches('', 'a')).toBe(false)
  })

  it('is case-sensitive unless asked otherwise', () => {
    expect(matches('platform/**', 'Platform/a')).toBe(false)
    expect(matches('platform/**', 'Platform/A', true)).toBe(true)
    expect(matches('Platform', 'pLATFORM', true)).toBe(true)
  })

  it('folds ASCII case only: the Kelvin sign and the long s stay themselves', () => {
    expect(matches('kit/**', '\u212Ait/a', true)).toBe(false)
    expect(matches('\u212Ait/*', 'kit/a', true)).toBe(false)
    expect(matches('s?', '\u017Fa', true)).toBe(false)
    expect(matches('k*', 'K1', true)).toBe(true)
  })

  it('decides the worst case for a backtracking matcher correctly (linear time, no RegExp)', () => {
    const crafted = `review/${'-'.repeat(250)}/`
    expect(matches('review/*-*-*-*-*', crafted)).toBe(false)
    expect(matches('review/*-*-*-*-*', crafted.slice(0, -1))).toBe(true)
    expect(matches('review/**-**-**-**-**x', `${crafted}${'-'.repeat(250)}`)).toBe(false)
    expect(matches('*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false)
    expect(matches('*a*a*a*a*a*b', `${'a'.repeat(5000)}b`)).toBe(true)
  })

  it('treats consecutive stars as described: `***` is `**` then `*`', () => {
    expect(matches('a/***', 'a/b/c')).toBe(true)
    expect(matches('a***b', 'a/x/b')).toBe(true)
    expect(matches('a*b', 'a/b')).toBe(false)
  })

  it('is stateless between calls, and compiles no RegExp', () => {
    const glob = compileGlob('a*')
    expect(glob).not.toBeInstanceOf(RegExp)
    expect(glob.source).toBe('a*')
    expect([glob.test('ab'), glob.test('ab'), glob.test('x'), glob.test('ab')]).toEqual([
      true,
      true,
      false,
      true,
    ])
  })
})

describe('globLiteralPrefix', () => {
  it('returns the text before the first wildcard, or the whole glob', () => {
    expect(globLiteralPrefix('platform/**')).toBe('platform/')
    expect(globLiteralPrefix('plat*')).toBe('plat')
    expect(globLiteralPrefix('v?.*')).toBe('v')
    expect(globLiteralPrefix('**')).toBe('')
    expect(globLiteralPrefix('g/p')).toBe('g/p')
  })
})
