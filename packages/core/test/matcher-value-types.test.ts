import { describe, expect, it } from 'vitest'
import { assertValueFits, targetOf } from '../src/matcher-value-types.js'
import type { ClaimName } from '../src/claims.js'
import { expectConfigError } from './fixtures.js'

const fits = (matcher: unknown, claim: ClaimName) => () =>
  assertValueFits(matcher, targetOf(claim, `allow[0].match.${claim}`))

describe('targetOf', () => {
  it('reads the claim table', () => {
    expect(targetOf('groups_direct', 'x')).toMatchObject({
      type: 'string[]',
      ci: true,
      array: true,
    })
    expect(targetOf('ref_type', 'x').values).toEqual(['branch', 'tag'])
    expect(targetOf('ref', 'x')).toMatchObject({ type: 'string', ci: false, array: false })
  })
})

describe('assertValueFits', () => {
  it('numbers fit ID, numeric and time claims only', () => {
    for (const claim of ['project_id', 'pipeline_id', 'runner_id', 'exp'] as const) {
      expect(fits(42, claim)).not.toThrow()
    }
    const error = expectConfigError(fits(2024.1, 'ref'))
    expect(error.message).toBe(
      'policy allow[0].match.ref: the number 2024.1 on ref, a string claim: write the value as a ' +
        'quoted string (YAML reads ref: 2024.10 as the number 2024.1)',
    )
    expectConfigError(fits(1, 'aud'))
    expectConfigError(fits(1, 'ref_protected'))
  })

  it("boolean claims take true, false, 'true', 'false', '' and functions only", () => {
    for (const matcher of [true, false, 'true', 'false', '', () => true]) {
      expect(fits(matcher, 'environment_protected')).not.toThrow()
    }
    for (const matcher of ['yes', 'True', 'no', 0, { glob: '*' }, { regex: 'true' }, /true/]) {
      expect(expectConfigError(fits(matcher, 'ref_protected')).message).toMatch(
        /ref_protected is a GitLab boolean/,
      )
    }
  })

  it('a boolean matcher fits boolean claims only', () => {
    expect(expectConfigError(fits(true, 'environment')).message).toMatch(
      /true is a boolean, but environment is a string claim: quote it \('true'\)/,
    )
  })

  it('closed-set claims take only their values', () => {
    expect(fits('tag', 'ref_type')).not.toThrow()
    expect(expectConfigError(fits('brnch', 'ref_type')).message).toMatch(
      /"brnch" is never a value of ref_type; GitLab sends "branch", "tag"/,
    )
    expect(fits({ glob: '*' }, 'ref_type')).not.toThrow()
  })

  it('leaves strings, globs, regexes and functions on open claims alone', () => {
    for (const matcher of ['main', { glob: 'v*' }, { regex: 'v\\d+' }, /v/, () => true]) {
      expect(fits(matcher, 'ref')).not.toThrow()
    }
  })
})
