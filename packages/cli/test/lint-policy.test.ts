import { describe, expect, it } from 'vitest'
import { lintPolicy } from '../src/lint/lint-policy.js'

// A policy built in code can hold what a YAML file cannot: functions and RegExp objects.
describe('lintPolicy on a policy from code', () => {
  it('warns about a function matcher, alone or in a list, and only there', () => {
    const findings = lintPolicy({
      allow: [
        {
          name: 'fn',
          match: { project_id: '4242', ref: (value: unknown) => value === 'main' },
        },
        {
          name: 'listed',
          match: { project_id: '4242', environment: ['production', (v: unknown) => v === 'prod'] },
        },
        { name: 'plain', match: { project_id: '4242', ref: 'main' }, grants: ['read'] },
      ],
    })
    expect(findings).toEqual([
      {
        severity: 'warning',
        check: 'function-matcher',
        at: 'allow[0] ("fn")',
        message: expect.stringMatching(/^ref uses a function: lint and explain cannot see/),
      },
      {
        severity: 'warning',
        check: 'function-matcher',
        at: 'allow[1] ("listed")',
        message: expect.stringMatching(/^environment uses a function/),
      },
    ])
  })

  it('warns about a RegExp object as about { regex }', () => {
    expect(
      lintPolicy({ allow: [{ name: 'tags', match: { project_id: '4242', ref: /^v\d+$/ } }] }),
    ).toEqual([
      {
        severity: 'warning',
        check: 'regex-matcher',
        at: 'allow[0] ("tags")',
        message: expect.stringMatching(/^ref uses a regex/),
      },
    ])
  })
})
