import { describe, expect, it, vi } from 'vitest'
import type { ClaimName, GitlabIdTokenClaims } from '../src/claims.js'
import { compileMatcher } from '../src/matcher.js'
import type { Matcher } from '../src/policy-types.js'
import { expectConfigError } from './fixtures.js'

const CLAIMS = { project_path: 'platform/deployer' } as unknown as GitlabIdTokenClaims

function test(matcher: Matcher, claim: ClaimName, value: unknown): boolean {
  return compileMatcher(matcher, claim).test(value, CLAIMS)
}

describe('string matchers', () => {
  it.each([
    'project_path',
    'namespace_path',
    'job_project_path',
    'job_namespace_path',
    'groups_direct',
  ] as const)('%s compares ignoring case', (claim) => {
    expect(test('Platform/Deployer', claim, 'platform/deployer')).toBe(true)
    expect(test('platform/deployer', claim, 'PLATFORM/DEPLOYER')).toBe(true)
    expect(test('platform/deployer', claim, 'platform/deployer2')).toBe(false)
  })

  it.each(['sub', 'ref', 'environment', 'ci_config_ref_uri', 'user_login'] as const)(
    '%s compares case-sensitively',
    (claim) => {
      expect(test('Main', claim, 'Main')).toBe(true)
      expect(test('Main', claim, 'main')).toBe(false)
      expect(test('main', claim, 'MAIN')).toBe(false)
    },
  )

  it('also matches a numeric claim equal to it', () => {
    expect(test('12', 'runner_id', 12)).toBe(true)
    expect(test('12', 'runner_id', 13)).toBe(false)
    expect(test('12.0', 'runner_id', 12)).toBe(false)
    expect(test('', 'runner_id', 0)).toBe(false)
  })

  it("'' matches only the empty string", () => {
    expect(test('', 'ref_protected', '')).toBe(true)
    expect(test('', 'ref_protected', 'false')).toBe(false)
    expect(test('', 'ref_protected', undefined)).toBe(false)
    expect(test('', 'ref_protected', null)).toBe(false)
    expect(test('', 'ref_protected', false)).toBe(false)
  })

  it('never matches a JSON boolean or an object', () => {
    expect(test('true', 'ref_protected', true)).toBe(false)
    expect(test('x', 'job_config', { url: 'x', sha: 'y' })).toBe(false)
  })
})

describe('number matchers', () => {
  it("match the claim's decimal string or the equal number", () => {
    expect(test(42, 'project_id', '42')).toBe(true)
    expect(test(42, 'project_id', 42)).toBe(true)
    expect(test(42, 'project_id', '042')).toBe(false)
    expect(test(42, 'project_id', '42.0')).toBe(false)
    expect(test(42, 'project_id', ' 42')).toBe(false)
    expect(test(42, 'project_id', '43')).toBe(false)
    expect(test(12, 'runner_id', 12)).toBe(true)
    expect(test(12, 'runner_id', '12')).toBe(true)
  })

  it('refuse numbers that cannot be an exact ID', () => {
    for (const n of [Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53 + 2]) {
      expect(expectConfigError(() => compileMatcher(n, 'project_id')).message).toMatch(/project_id/)
    }
  })
})

describe('boolean matchers', () => {
  it('match GitLab\'s "true"/"false" strings and JSON booleans', () => {
    expect(test(true, 'ref_protected', 'true')).toBe(true)
    expect(test(true, 'ref_protected', true)).toBe(true)
    expect(test(true, 'ref_protected', 'false')).toBe(false)
    expect(test(true, 'ref_protected', '')).toBe(false)
    expect(test(true, 'ref_protected', 'TRUE')).toBe(false)
    expect(test(true, 'ref_protected', 1)).toBe(false)
    expect(test(false, 'environment_protected', 'false')).toBe(true)
    expect(test(false, 'environment_protected', false)).toBe(true)
    expect(test(false, 'environment_protected', '')).toBe(false)
    expect(test(false, 'environment_protected', undefined)).toBe(false)
  })
})

describe('glob matchers', () => {
  it('follow the claim case rule', () => {
    expect(test({ glob: 'platform/**' }, 'project_path', 'Platform/Infra/x')).toBe(true)
    expect(test({ glob: 'release/*' }, 'ref', 'Release/1')).toBe(false)
  })

  it('combine with an exact group for a group and its subgroups', () => {
    const m: Matcher = ['platform', { glob: 'platform/**' }]
    expect(test(m, 'namespace_path', 'platform')).toBe(true)
    expect(test(m, 'namespace_path', 'platform/a/b')).toBe(true)
    expect(test(m, 'namespace_path', 'platformer')).toBe(false)
  })

  it('see a numeric claim as its decimal string', () => {
    expect(test({ glob: '1?' }, 'runner_id', 12)).toBe(true)
    expect(test({ glob: '1?' }, 'runner_id', 123)).toBe(false)
  })
})

describe('regex matchers', () => {
  it('match the whole value', () => {
    expect(test({ regex: 'v\\d+' }, 'ref', 'v12')).toBe(true)
    expect(test({ regex: 'v\\d+' }, 'ref', 'xv12')).toBe(false)
    expect(test({ regex: 'v\\d+' }, 'ref', 'v12x')).toBe(false)
    expect(test({ regex: 'a|ab' }, 'ref', 'ab')).toBe(true)
    expect(test(/^v\d+$/, 'ref', 'v1')).toBe(true)
  })

  it('honour flags, and the m flag does not turn a full match into a line match', () => {
    expect(test({ regex: 'main', flags: 'i' }, 'ref', 'MAIN')).toBe(true)
    expect(test(/main/i, 'ref', 'Main')).toBe(true)
    expect(test({ regex: 'main' }, 'ref', 'MAIN')).toBe(false)
    expect(test(/a/m, 'ref', 'a\nb')).toBe(false)
    expect(test({ regex: 'a.b', flags: 's' }, 'ref', 'a\nb')).toBe(true)
  })

  it('ignore case on path claims', () => {
    expect(test({ regex: 'platform/.+' }, 'project_path', 'PLATFORM/x')).toBe(true)
  })

  it('match the whole value under the u and v flags, even around surrogate pairs', () => {
    expect(test({ regex: '(main|release-\\d+)?', flags: 'u' }, 'ref', 'feature-😀')).toBe(false)
    expect(test({ regex: '(main|release-\\d+)?', flags: 'v' }, 'ref', '😀')).toBe(false)
    expect(test({ regex: '(main|release-\\d+)?', flags: 'u' }, 'ref', 'release-7')).toBe(true)
    expect(test({ regex: '.', flags: 'u' }, 'ref', '😀')).toBe(true)
  })

  it('give the same answer on every call despite g or y', () => {
    for (const m of [/main/g, /main/y, { regex: 'main', flags: 'gy' }]) {
      const { test: t } = compileMatcher(m, 'ref')
      expect([t('main', CLAIMS), t('main', CLAIMS), t('main', CLAIMS)]).toEqual([true, true, true])
    }
    const re = /main/g
    const { test: t } = compileMatcher(re, 'ref')
    re.lastIndex = 3
    expect(t('main', CLAIMS)).toBe(true)
  })

  it('reject invalid patterns and flags, with the SyntaxError as cause', () => {
    const error = expectConfigError(() =>
      compileMatcher({ regex: '(' }, 'ref', 'allow[0].match.ref'),
    )
    expect(error.message).toMatch(/allow\[0\]\.match\.ref: invalid regex/)
    expect(error.cause).toBeInstanceOf(SyntaxError)
    expectConfigError(() => compileMatcher({ regex: 'a)|(b' }, 'ref'))
    expectConfigError(() => compileMatcher({ regex: 'a', flags: 'q' }, 'ref'))
  })
})

describe('function matchers', () => {
  it('are called once per element of an array claim, with the claims', () => {
    const fn = vi.fn((value: unknown) => value === 'b')
    expect(test(fn, 'aud', ['a', 'b', 'c'])).toBe(true)
    expect(fn.mock.calls).toEqual([
      ['a', CLAIMS],
      ['b', CLAIMS],
    ])
    fn.mockClear()
    expect(test(fn, 'aud', ['x', 'y'])).toBe(false)
    expect(fn).toHaveBeenCalledTimes(2)
  })

  it('are never called for an absent or null claim', () => {
    const fn = vi.fn(() => true)
    expect(test(fn, 'environment', undefined)).toBe(false)
    expect(test(fn, 'environment', null)).toBe(false)
    expect(fn).not.toHaveBeenCalled()
  })

  it('are the way to match objects, and only `true` matches', () => {
    const fn = (value: unknown) => (value as { url?: string }).url === 'gitlab.com/g/p'
    expect(test(fn, 'job_config', { url: 'gitlab.com/g/p', sha: 'abc' })).toBe(true)
    const identities = [{ provider: 'github', extern_uid: '1' }]
    expect(
      test((v) => (v as { provider: string }).provider === 'github', 'user_identities', identities),
    ).toBe(true)
    expect(test((() => 1) as never, 'ref', 'main')).toBe(false)
  })
})

describe('arrays', () => {
  it('an array claim matches when any element does', () => {
    expect(test('https://a.example', 'aud', ['https://b.example', 'https://a.example'])).toBe(true)
    expect(test('https://a.example', 'aud', ['https://b.example'])).toBe(false)
    expect(test('platform', 'groups_direct', ['other', 'PLATFORM'])).toBe(true)
    expect(test('platform', 'groups_direct', [])).toBe(false)
    expect(test('', 'groups_direct', [null, undefined])).toBe(false)
  })

  it('an array of matchers matches any of them; nested arrays flatten', () => {
    expect(test(['a', 'b'], 'ref', 'b')).toBe(true)
    expect(test(['a', ['b', { glob: 'c*' }]], 'ref', 'cat')).toBe(true)
    expect(test(['a', 'b'], 'ref', 'c')).toBe(false)
  })

  it('an empty matcher array is a config error', () => {
    expect(expectConfigError(() => compileMatcher([], 'ref')).message).toMatch(
      /empty matcher array/,
    )
    expectConfigError(() => compileMatcher(['a', []], 'ref'))
  })
})

describe('absent and null claims', () => {
  const all: Matcher[] = [
    '',
    'x',
    0,
    42,
    true,
    false,
    { glob: '**' },
    { regex: '.*' },
    /.*/,
    ['', { glob: '*' }],
  ]
  // Numbers go on an ID claim and booleans on a boolean claim: elsewhere they are config errors.
  const claimFor = (m: Matcher): ClaimName =>
    typeof m === 'number' ? 'project_id' : typeof m === 'boolean' ? 'ref_protected' : 'environment'
  it.each(all.map((m) => [m]))('%o never matches absent or null', (m) => {
    expect(test(m, claimFor(m), undefined)).toBe(false)
    expect(test(m, claimFor(m), null)).toBe(false)
  })
})

describe('validation', () => {
  it.each([
    null,
    undefined,
    {},
    { glob: 1 },
    { glob: 'a', regex: 'b' },
    { regex: 'a', flag: 'i' },
    { regex: 1 },
    { regex: 'a', flags: 1 },
    { globs: 'a/**' },
    new Date(0),
    Symbol('x'),
    10n,
  ])('rejects %o', (m) => {
    expectConfigError(() => compileMatcher(m as never, 'ref'))
  })

  it('names the location in the message', () => {
    const error = expectConfigError(() =>
      compileMatcher({ globb: 'x' } as never, 'ref', 'deny[1].match.ref'),
    )
    expect(error.message).toMatch(/^policy deny\[1\]\.match\.ref: .*keys globb/)
  })
})

describe('expected', () => {
  it('describes the matcher for denial reasons', () => {
    const expected = (m: Matcher) => compileMatcher(m, 'namespace_path').expected
    expect(expected('42')).toBe('"42"')
    expect(compileMatcher(42, 'project_id').expected).toBe('42')
    expect(compileMatcher(true, 'ref_protected').expected).toBe('true')
    expect(expected({ glob: 'platform/**' })).toBe('glob "platform/**"')
    expect(expected({ regex: '^v', flags: 'g' })).toBe('regex /^v/g')
    expect(expected(/^v/i)).toBe('regex /^v/i')
    expect(
      expected(function allowList() {
        return true
      }),
    ).toBe('function allowList')
    expect(expected(['platform', { glob: 'platform/**' }])).toBe(
      'any of ["platform", glob "platform/**"]',
    )
  })
})
