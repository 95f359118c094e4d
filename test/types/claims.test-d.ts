import type {
  ClaimName,
  ClaimType,
  ClaimTypeOf,
  GitlabBoolean,
  GitlabIdTokenClaims,
  Policy,
  Rule,
} from '@gitlab-id-token/core'
import type { CLAIMS } from '@gitlab-id-token/core'
import { describe, expectTypeOf, it } from 'vitest'

type JsonOf<T extends ClaimType> = T extends 'id' | 'string'
  ? string
  : T extends 'boolean'
    ? GitlabBoolean
    : T extends 'number' | 'numeric-date'
      ? number
      : T extends 'audience'
        ? string | readonly string[]
        : T extends 'string[]'
          ? readonly string[]
          : T extends 'object[]'
            ? readonly object[]
            : object

/** `true` when the interface's value type is what the table row says. */
type Agrees<K extends ClaimName> = [NonNullable<GitlabIdTokenClaims[K]>] extends [
  JsonOf<ClaimTypeOf<K>>,
]
  ? true
  : K

describe('the claim table types', () => {
  it('has one row per claim of GitlabIdTokenClaims, and no other', () => {
    expectTypeOf<keyof typeof CLAIMS>().toEqualTypeOf<ClaimName>()
    expectTypeOf<ClaimName>().toEqualTypeOf<keyof GitlabIdTokenClaims>()
  })

  it('types every claim as its row says (a mismatch names the claim)', () => {
    expectTypeOf<{ [K in ClaimName]: Agrees<K> }[ClaimName]>().toEqualTypeOf<true>()
    expectTypeOf<ClaimTypeOf<'runner_id'>>().toEqualTypeOf<'number'>()
    expectTypeOf<ClaimTypeOf<'ref_protected'>>().toEqualTypeOf<'boolean'>()
  })
})

describe('per-claim matchers', () => {
  it('accept the values GitLab sends', () => {
    const rule: Rule = {
      match: {
        project_id: 42,
        ref_type: ['branch', 'tag'],
        ref_protected: true,
        environment_protected: 'false',
        deployment_tier: 'production',
        project_visibility: { glob: 'p*' },
        runner_environment: 'self-hosted',
        ref: /^v\d+/,
        pipeline_source: 'merge_request_event',
      },
    }
    expectTypeOf(rule).toExtend<Rule>()
    const policy: Policy = { allow: [{ match: { project_id: '42', ref_protected: [true, ''] } }] }
    expectTypeOf(policy).toExtend<Policy>()
  })

  it('reject impossible values', () => {
    // @ts-expect-error a typo of 'branch'
    const typo: Rule = { match: { project_id: '42', ref_type: 'brnch' } }
    // @ts-expect-error GitLab sends "true" / "false", never "yes"
    const yes: Rule = { match: { project_id: '42', ref_protected: 'yes' } }
    // @ts-expect-error nested in a list too
    const nested: Rule = { match: { project_id: '42', environment_protected: [true, 'no'] } }
    // @ts-expect-error deployment tiers are a closed set
    const tier: Rule = { match: { project_id: '42', deployment_tier: 'prod' } }
    // @ts-expect-error a boolean claim has no glob
    const glob: Rule = { match: { project_id: '42', ref_protected: { glob: 't*' } } }
    // @ts-expect-error not a claim
    const unknown: Rule = { match: { project_idd: '42' } }
    expectTypeOf([typo, yes, nested, tier, glob, unknown]).toBeArray()
  })
})
