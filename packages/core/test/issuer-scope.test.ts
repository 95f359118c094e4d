import { describe, expect, it } from 'vitest'
import { isSharedInstance, resolveIssuerScope } from '../src/issuer-scope.js'
import type { Rule } from '../src/policy-types.js'
import { expectConfigError } from './fixtures.js'

const A = 'https://gitlab.a.example'
const B = 'https://gitlab.b.example'
const COM = 'https://gitlab.com'
const rule = (match: Rule['match']): Rule => ({ match })

describe('isSharedInstance', () => {
  it('recognises gitlab.com by host, whatever the spelling of the URL', () => {
    for (const issuer of [
      COM,
      'https://GitLab.com',
      'https://gitlab.com:443',
      'https://gitlab.com./',
    ]) {
      expect(isSharedInstance(issuer)).toBe(true)
    }
    for (const issuer of [
      A,
      'https://gitlab.com.evil.example',
      'https://my.gitlab.com',
      'not a url',
    ]) {
      expect(isSharedInstance(issuer)).toBe(false)
    }
  })
})

describe('resolveIssuerScope: iss pins', () => {
  it('without issuers (evaluatePolicy on its own) needs no iss and allowAnyProject: true covers all', () => {
    const scope = resolveIssuerScope({ allowAnyProject: true })
    expect(scope.issuerOf(rule({ project_id: '1' }), 'allow[0]')).toBeUndefined()
    expect(scope.anyProject(undefined)).toBe(true)
  })

  it('with one issuer a rule without iss belongs to it', () => {
    const scope = resolveIssuerScope({ issuers: [A] })
    expect(scope.issuerOf(rule({ project_id: '1' }), 'allow[0]')).toBe(A)
    expect(scope.anyProject(A)).toBe(false)
  })

  it('with two issuers every allow rule pins one exact iss', () => {
    const scope = resolveIssuerScope({ issuers: [A, B] })
    expect(scope.issuerOf(rule({ iss: B, project_id: '1' }), 'allow[0]')).toBe(B)
    for (const iss of [undefined, [A], [A, B], { glob: 'https://*' }, /gitlab/]) {
      const match = (
        iss === undefined ? { project_id: '1' } : { iss, project_id: '1' }
      ) as Rule['match']
      const error = expectConfigError(() => scope.issuerOf(rule(match), 'allow[2] ("deploy")'))
      expect(error.message).toContain('policy allow[2] ("deploy") does not pin iss')
      expect(error.message).toContain(`2 issuers are trusted (${A}, ${B})`)
      expect(error.message).toContain(`iss: "${A}"`)
    }
  })

  it('an iss that is not a trusted issuer never matches: refused, listing the trusted ones', () => {
    const scope = resolveIssuerScope({ issuers: [A] })
    const error = expectConfigError(() => scope.issuerOf(rule({ iss: `${A}/` }), 'allow[0]'))
    expect(error.message).toContain(`not a trusted issuer (trusted: ${A})`)
  })

  it('refuses a malformed issuers list', () => {
    for (const issuers of [[], [''], [1], 'x']) {
      expectConfigError(() => resolveIssuerScope({ issuers: issuers as never }))
    }
  })
})

describe('resolveIssuerScope: allowAnyProject', () => {
  it('true covers the one trusted private issuer', () => {
    expect(resolveIssuerScope({ allowAnyProject: true, issuers: [A] }).anyProject(A)).toBe(true)
  })

  it('true with two issuers must name them', () => {
    const error = expectConfigError(() =>
      resolveIssuerScope({ allowAnyProject: true, issuers: [COM, A] }),
    )
    expect(error.message).toContain(`allowAnyProject: { issuers: ["${A}"] }`)
  })

  it('never covers gitlab.com without allowAnyProjectOnSharedInstance', () => {
    for (const allowAnyProject of [true, { issuers: [COM] }] as const) {
      const error = expectConfigError(() => resolveIssuerScope({ allowAnyProject, issuers: [COM] }))
      expect(error.message).toContain('a shared GitLab instance')
      expect(error.message).toContain('allowAnyProjectOnSharedInstance: true')
      const scope = resolveIssuerScope({
        allowAnyProject,
        allowAnyProjectOnSharedInstance: true,
        issuers: [COM],
      })
      expect(scope.anyProject(COM)).toBe(true)
    }
    expectConfigError(() => resolveIssuerScope({ allowAnyProject: { issuers: [COM] } }))
  })

  it('{ issuers } covers exactly the named issuers', () => {
    const scope = resolveIssuerScope({ allowAnyProject: { issuers: [A] }, issuers: [A, B] })
    expect(scope.anyProject(A)).toBe(true)
    expect(scope.anyProject(B)).toBe(false)
    expect(scope.anyProject(undefined)).toBe(false)
  })

  it('{ issuers } must name trusted issuers, and nothing else', () => {
    expect(
      expectConfigError(() =>
        resolveIssuerScope({ allowAnyProject: { issuers: [B] }, issuers: [A] }),
      ).message,
    ).toContain(`names ${B}, which is not a trusted issuer`)
    for (const allowAnyProject of [{ issuers: [] }, { issuers: [A], extra: 1 }, 'yes', null, {}]) {
      expectConfigError(() => resolveIssuerScope({ allowAnyProject: allowAnyProject as never }))
    }
    expectConfigError(() => resolveIssuerScope({ allowAnyProjectOnSharedInstance: 'yes' as never }))
  })
})
