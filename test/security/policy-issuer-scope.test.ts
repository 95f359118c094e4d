/**
 * Issue 8, medium 2: policies are scoped to an issuer. Two real mock GitLab instances on loopback
 * (A and B, each with its own signing key) mint genuine tokens; project IDs are derived from the
 * path, so `acme/widget` has the same `project_id` on both, exactly as two unrelated instances
 * can. Through `createVerifier`:
 *
 * - with more than one trusted issuer every allow rule pins an exact `iss` (startup error otherwise,
 *   naming the rule and the fix), and B's project 4242 never satisfies a rule for A's;
 * - `allowAnyProject` names the issuers it covers, and never a shared instance (gitlab.com)
 *   without `allowAnyProjectOnSharedInstance: true`.
 */

import {
  createVerifier,
  isGitlabIdTokenError,
  loadOptionsFromEnv,
  type GitlabIdTokenError,
  type VerifierOptions,
} from '@gitlab-id-token/core'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const AUDIENCE = 'https://deploy.example.com'
const GITLAB_COM = 'https://gitlab.com'
const WIDGET = 'acme/widget'

let a: MockGitlab
let b: MockGitlab
let widgetId: string

beforeAll(async () => {
  ;[a, b] = await Promise.all([createMockGitlab(), createMockGitlab()])
  widgetId = a.buildClaims({ project_path: WIDGET }).project_id
})

afterAll(async () => {
  await Promise.all([a.close(), b.close()])
})

function configError(options: VerifierOptions): GitlabIdTokenError {
  try {
    createVerifier(options)
  } catch (error) {
    if (isGitlabIdTokenError(error)) return error
    throw error
  }
  throw new Error('expected ERR_INVALID_CONFIG')
}

async function refusal(promise: Promise<unknown>): Promise<GitlabIdTokenError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!isGitlabIdTokenError(error)) throw new Error('expected a GitlabIdTokenError')
  return error
}

const token = (gitlab: MockGitlab, claims: Record<string, unknown> = {}): string =>
  gitlab.mint({ aud: AUDIENCE, project_path: WIDGET, ...claims })

describe('issuer scope: two trusted issuers', () => {
  it('an allow rule that pins project_id but no iss → ERR_INVALID_CONFIG 500 at startup, naming the rule and the fix', () => {
    expect(b.buildClaims({ project_path: WIDGET }).project_id).toBe(widgetId)
    const error = configError({
      audience: AUDIENCE,
      issuer: [a.issuer, b.issuer],
      policy: { allow: [{ name: 'widget', match: { project_id: widgetId }, grants: ['deploy'] }] },
    })
    expect(error.code).toBe('ERR_INVALID_CONFIG')
    expect(error.status).toBe(500)
    expect(error.message).toContain('allow[0] ("widget") does not pin iss')
    expect(error.message).toContain(`iss: ${JSON.stringify(a.issuer)}`)
  })

  it('project 4242 of instance B against a rule for instance A (iss + project_id) → ERR_POLICY_DENIED 403; A is accepted', async () => {
    const verifier = createVerifier({
      audience: AUDIENCE,
      issuer: [a.issuer, b.issuer],
      policy: {
        allow: [
          {
            name: 'widget-on-a',
            match: { iss: a.issuer, project_id: widgetId },
            grants: ['deploy'],
          },
        ],
      },
    })
    const error = await refusal(verifier.verify(token(b)))
    expect(error.code).toBe('ERR_POLICY_DENIED')
    expect(error.status).toBe(403)
    const { reasons } = error.details as { reasons: { failures: { claim: string }[] }[] }
    expect(reasons[0]?.failures.map((f) => f.claim)).toEqual(['iss'])
    expect((await verifier.verify(token(a))).grants).toEqual(['deploy'])
  })

  it('namespace_path "platform" of instance B against a rule for A → ERR_POLICY_DENIED 403', async () => {
    const verifier = createVerifier({
      audience: AUDIENCE,
      issuer: [a.issuer, b.issuer],
      policy: { allow: [{ match: { iss: a.issuer, namespace_path: 'platform' } }] },
    })
    const error = await refusal(verifier.verify(token(b, { project_path: 'platform/api' })))
    expect([error.code, error.status]).toEqual(['ERR_POLICY_DENIED', 403])
    expect((await verifier.verify(token(a, { project_path: 'platform/api' }))).rules).toEqual([
      'allow[0]',
    ])
  })

  it.each([
    ['a list of both issuers', () => [a.issuer, b.issuer]],
    ['a glob', () => ({ glob: 'http://127.0.0.1:*' })],
  ])('an iss given as %s does not scope the rule → ERR_INVALID_CONFIG 500', (_name, iss) => {
    const error = configError({
      audience: AUDIENCE,
      issuer: [a.issuer, b.issuer],
      policy: { allow: [{ match: { iss: iss(), project_id: widgetId } }] },
    })
    expect([error.code, error.status]).toEqual(['ERR_INVALID_CONFIG', 500])
    expect(error.message).toMatch(/does not pin iss/)
  })

  it('an iss pin that is not a trusted issuer (trailing slash) → ERR_INVALID_CONFIG 500, listing the trusted ones', () => {
    const error = configError({
      audience: AUDIENCE,
      issuer: a.issuer,
      policy: { allow: [{ match: { iss: `${a.issuer}/`, project_id: widgetId } }] },
    })
    expect([error.code, error.status]).toEqual(['ERR_INVALID_CONFIG', 500])
    expect(error.message).toContain(`trusted: ${a.issuer}`)
  })

  it('control: one trusted issuer needs no iss pin (as before)', async () => {
    const verifier = createVerifier({
      audience: AUDIENCE,
      issuer: a.issuer,
      policy: { allow: [{ match: { project_id: widgetId } }] },
    })
    expect((await verifier.verify(token(a))).rules).toEqual(['allow[0]'])
  })
})

describe('issuer scope: allowAnyProject names its issuers', () => {
  const unpinned = { allow: [{ match: { ref_protected: true } }] }

  it('allowAnyProject: true with two trusted issuers → ERR_INVALID_CONFIG 500 (name the issuers)', () => {
    const error = configError({
      audience: AUDIENCE,
      issuer: [a.issuer, b.issuer],
      allowAnyProject: true,
      policy: { allow: [{ match: { iss: a.issuer, ref_protected: true } }] },
    })
    expect([error.code, error.status]).toEqual(['ERR_INVALID_CONFIG', 500])
    expect(error.message).toContain('allowAnyProject: { issuers:')
  })

  it('allowAnyProject: true with the default issuer https://gitlab.com → ERR_INVALID_CONFIG 500; the loud override accepts it', () => {
    const error = configError({ audience: AUDIENCE, allowAnyProject: true, policy: unpinned })
    expect([error.code, error.status]).toEqual(['ERR_INVALID_CONFIG', 500])
    expect(error.message).toContain('https://gitlab.com, a shared GitLab instance')
    expect(error.message).toContain('allowAnyProjectOnSharedInstance: true')
    expect(() =>
      createVerifier({
        audience: AUDIENCE,
        allowAnyProject: true,
        allowAnyProjectOnSharedInstance: true,
        policy: unpinned,
      }),
    ).not.toThrow()
  })

  it('allowAnyProject: { issuers: ["https://gitlab.com"] } → ERR_INVALID_CONFIG 500 without the override', () => {
    const error = configError({
      audience: AUDIENCE,
      issuer: [a.issuer, { issuer: GITLAB_COM, jwks: { keys: [{ ...a.ciKey.publicJwk }] } }],
      allowAnyProject: { issuers: [GITLAB_COM] },
      policy: { allow: [{ match: { iss: GITLAB_COM, ref_protected: true } }] },
    })
    expect([error.code, error.status]).toEqual(['ERR_INVALID_CONFIG', 500])
    expect(error.message).toContain('allowAnyProjectOnSharedInstance')
  })

  it('allowAnyProject: { issuers: [A] }: any project of A is accepted, an unpinned token of B → ERR_POLICY_DENIED 403', async () => {
    const verifier = createVerifier({
      audience: AUDIENCE,
      issuer: [a.issuer, b.issuer],
      allowAnyProject: { issuers: [a.issuer] },
      policy: {
        allow: [
          { name: 'any-on-a', match: { iss: a.issuer, ref_protected: true }, grants: ['read'] },
          { name: 'widget-on-b', match: { iss: b.issuer, project_id: widgetId }, grants: ['read'] },
        ],
      },
    })
    expect((await verifier.verify(token(a, { project_path: 'anyone/x' }))).rules).toEqual([
      'any-on-a',
    ])
    const error = await refusal(verifier.verify(token(b, { project_path: 'anyone/x' })))
    expect([error.code, error.status]).toEqual(['ERR_POLICY_DENIED', 403])
  })

  it('allowAnyProject: { issuers: [A] } written in a policy file (loadOptionsFromEnv): any project of A accepted, B → ERR_POLICY_DENIED 403', async () => {
    const policy = JSON.stringify({
      allowAnyProject: { issuers: [a.issuer] },
      allow: [{ name: 'any-on-a', match: { iss: a.issuer, ref_protected: true } }],
    })
    const verifier = createVerifier(
      loadOptionsFromEnv({
        GITLAB_ID_TOKEN_AUDIENCE: AUDIENCE,
        GITLAB_ID_TOKEN_ISSUER: `${a.issuer},${b.issuer}`,
        GITLAB_ID_TOKEN_POLICY: policy,
      }),
    )
    expect((await verifier.verify(token(a, { project_path: 'anyone/x' }))).rules).toEqual([
      'any-on-a',
    ])
    const error = await refusal(verifier.verify(token(b, { project_path: 'anyone/x' })))
    expect([error.code, error.status]).toEqual(['ERR_POLICY_DENIED', 403])
  })

  it('allowAnyProject: true in a policy file with gitlab.com trusted → ERR_INVALID_CONFIG 500 unless the file also sets allowAnyProjectOnSharedInstance', () => {
    const env = (extra: Record<string, unknown>) => ({
      GITLAB_ID_TOKEN_AUDIENCE: AUDIENCE,
      GITLAB_ID_TOKEN_POLICY: JSON.stringify({ ...extra, ...unpinned }),
    })
    const error = configError(loadOptionsFromEnv(env({ allowAnyProject: true })))
    expect([error.code, error.status]).toEqual(['ERR_INVALID_CONFIG', 500])
    expect(error.message).toContain('allowAnyProjectOnSharedInstance: true')
    const loud = { allowAnyProject: true, allowAnyProjectOnSharedInstance: true }
    expect(() => createVerifier(loadOptionsFromEnv(env(loud)))).not.toThrow()
  })

  it('allowAnyProject: { issuers: [A] } does not cover a rule for B → ERR_INVALID_CONFIG 500 naming the rule', () => {
    const error = configError({
      audience: AUDIENCE,
      issuer: [a.issuer, b.issuer],
      allowAnyProject: { issuers: [a.issuer] },
      policy: { allow: [{ name: 'any-on-b', match: { iss: b.issuer, ref_protected: true } }] },
    })
    expect([error.code, error.status]).toEqual(['ERR_INVALID_CONFIG', 500])
    expect(error.message).toContain('allow[0] ("any-on-b") does not pin a project or group')
  })

  it('allowAnyProject: { issuers } naming an untrusted issuer → ERR_INVALID_CONFIG 500', () => {
    const error = configError({
      audience: AUDIENCE,
      issuer: a.issuer,
      allowAnyProject: { issuers: ['https://gitlab.other.example'] },
      policy: unpinned,
    })
    expect([error.code, error.status]).toEqual(['ERR_INVALID_CONFIG', 500])
    expect(error.message).toContain('not a trusted issuer')
  })
})

describe('issuer scope: the unpinned-rule error suggests what works in this configuration', () => {
  // Following the message must fix the configuration, never lead to the next startup error.
  const cases: {
    name: string
    options: VerifierOptions
    says: string
    fixed: Partial<VerifierOptions>
  }[] = []
  beforeAll(() => {
    const com = { issuer: GITLAB_COM, jwks: { keys: [{ ...a.ciKey.publicJwk }] } }
    cases.push(
      {
        name: 'one private instance',
        options: {
          audience: AUDIENCE,
          issuer: a.issuer,
          policy: { allow: [{ match: { ref_protected: true } }] },
        },
        says: 'set allowAnyProject: true.',
        fixed: { allowAnyProject: true },
      },
      {
        name: 'two trusted issuers',
        options: {
          audience: AUDIENCE,
          issuer: [a.issuer, b.issuer],
          policy: { allow: [{ match: { iss: b.issuer, ref_protected: true } }] },
        },
        says: `set allowAnyProject: { issuers: [${JSON.stringify(b.issuer)}] }.`,
        fixed: { allowAnyProject: { issuers: [b.issuer] } },
      },
      {
        name: 'gitlab.com alone',
        options: {
          audience: AUDIENCE,
          issuer: com,
          policy: { allow: [{ match: { ref_protected: true } }] },
        },
        says: 'set allowAnyProject: true together with allowAnyProjectOnSharedInstance: true.',
        fixed: { allowAnyProject: true, allowAnyProjectOnSharedInstance: true },
      },
      {
        name: 'gitlab.com next to a private instance',
        options: {
          audience: AUDIENCE,
          issuer: [a.issuer, com],
          policy: { allow: [{ match: { iss: GITLAB_COM, ref_protected: true } }] },
        },
        says: `set allowAnyProject: { issuers: ["${GITLAB_COM}"] } together with allowAnyProjectOnSharedInstance: true.`,
        fixed: {
          allowAnyProject: { issuers: [GITLAB_COM] },
          allowAnyProjectOnSharedInstance: true,
        },
      },
    )
  })

  for (const name of [
    'one private instance',
    'two trusted issuers',
    'gitlab.com alone',
    'gitlab.com next to a private instance',
  ]) {
    it(`${name}: ERR_INVALID_CONFIG 500 names the allowAnyProject setting, and that setting starts`, () => {
      const { options, says, fixed } = cases.find((c) => c.name === name)!
      const error = configError(options)
      expect([error.code, error.status]).toEqual(['ERR_INVALID_CONFIG', 500])
      expect(error.message).toContain('allow[0] does not pin a project or group')
      expect(error.message).toContain(says)
      if (name.startsWith('gitlab.com')) expect(error.message).toContain('shared instance')
      expect(() => createVerifier({ ...options, ...fixed })).not.toThrow()
    })
  }
})
