/**
 * Issue 8, low "policy values": a matcher's value is typed by its claim, and case folding of paths
 * is ASCII-only. Genuine tokens from the mock issuer through `createVerifier`; YAML policies
 * through `loadOptionsFromEnv`, as an operator writes them.
 *
 * - a number on a non-ID string claim (`ref: 2024.10`, which YAML reads as `2024.1`) → startup error;
 * - a boolean claim takes only `true` / `false` / `''` (YAML 1.1 `yes` is the string `"yes"`);
 * - an array value satisfies a matcher only on an array claim (`aud`, `groups_direct`);
 * - the Kelvin sign `K` (U+212A) never equals `k` in a path, for strings and globs.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createVerifier,
  isGitlabIdTokenError,
  loadOptionsFromEnv,
  type GitlabIdTokenError,
  type Policy,
} from '@gitlab-id-token/core'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const AUDIENCE = 'https://values.example.com'
const KELVIN = '\u212A'

let gitlab: MockGitlab
let widgetId: string
let dir: string

beforeAll(async () => {
  gitlab = await createMockGitlab()
  widgetId = gitlab.buildClaims({ project_path: 'acme/widget' }).project_id
  dir = mkdtempSync(join(tmpdir(), 'policy-values-'))
})

afterAll(async () => {
  await gitlab.close()
  rmSync(dir, { recursive: true, force: true })
})

function thrown(run: () => unknown): GitlabIdTokenError {
  try {
    run()
  } catch (error) {
    if (isGitlabIdTokenError(error)) return error
    throw error
  }
  throw new Error('expected a GitlabIdTokenError')
}

function yamlPolicy(name: string, yaml: string): GitlabIdTokenError {
  const path = join(dir, name)
  writeFileSync(path, yaml)
  return thrown(() =>
    loadOptionsFromEnv({ GITLAB_ID_TOKEN_AUDIENCE: AUDIENCE, GITLAB_ID_TOKEN_POLICY: path }),
  )
}

async function refusal(promise: Promise<unknown>): Promise<GitlabIdTokenError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!isGitlabIdTokenError(error)) throw new Error('expected a GitlabIdTokenError')
  return error
}

const verifierFor = (policy: Policy) =>
  createVerifier({ issuer: gitlab.issuer, audience: AUDIENCE, policy })

describe('policy values are typed by their claim', () => {
  it('YAML `ref: 2024.10` (the number 2024.1 on a string claim) → ERR_INVALID_CONFIG 500, "write the value as a quoted string"', () => {
    const error = yamlPolicy(
      'number.yaml',
      `allow:\n  - match:\n      project_id: "${widgetId}"\n      ref: 2024.10\n`,
    )
    expect([error.code, error.status]).toEqual(['ERR_INVALID_CONFIG', 500])
    expect(error.message).toMatch(/match\.ref: the number 2024\.1 on ref.*quoted string/)
  })

  it('YAML `ref_protected: yes` (the string "yes" in YAML 1.2) → ERR_INVALID_CONFIG 500', () => {
    const error = yamlPolicy(
      'yes.yaml',
      `allow:\n  - match:\n      project_id: "${widgetId}"\n      ref_protected: yes\n`,
    )
    expect([error.code, error.status]).toEqual(['ERR_INVALID_CONFIG', 500])
    expect(error.message).toMatch(/ref_protected is a GitLab boolean.*write true, false or ''/)
  })

  it.each([
    ['a glob on ref_protected', { ref_protected: { glob: 't*' } }],
    ['the number 1 on environment_protected', { environment_protected: 1 }],
    ['the boolean true on environment (a string claim)', { environment: true }],
  ])('%s → ERR_INVALID_CONFIG 500 at createVerifier', (_name, match) => {
    const error = thrown(() =>
      verifierFor({ allow: [{ match: { project_id: widgetId, ...match } as never }] }),
    )
    expect([error.code, error.status]).toEqual(['ERR_INVALID_CONFIG', 500])
  })

  it('control: true, false, "true", "" and a function are accepted on ref_protected, numbers on IDs', async () => {
    for (const matcher of [true, false, 'true', '', () => true] as const) {
      expect(() =>
        verifierFor({
          allow: [{ match: { project_id: Number(widgetId), ref_protected: matcher } }],
        }),
      ).not.toThrow()
    }
    const verifier = verifierFor({
      allow: [{ match: { project_id: Number(widgetId), ref_protected: true } }],
    })
    expect(
      (await verifier.verify(gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget' }))).rules,
    ).toEqual(['allow[0]'])
  })
})

describe('array values only satisfy array claims', () => {
  it('a signed token with ref_protected: ["false", "true"] against ref_protected: true → ERR_POLICY_DENIED 403', async () => {
    const verifier = verifierFor({
      allow: [{ match: { project_id: widgetId, ref_protected: true }, grants: ['deploy'] }],
    })
    const token = gitlab.mint({
      aud: AUDIENCE,
      project_path: 'acme/widget',
      ref_protected: ['false', 'true'],
    })
    const error = await refusal(verifier.verify(token))
    expect([error.code, error.status]).toEqual(['ERR_POLICY_DENIED', 403])
  })

  it('control: an aud array and a groups_direct array still match on any element', async () => {
    const verifier = verifierFor({
      allow: [{ match: { project_id: widgetId, groups_direct: 'acme/admins' } }],
    })
    const token = gitlab.mint({
      aud: ['https://other.example.com', AUDIENCE],
      project_path: 'acme/widget',
      groups_direct: ['acme/devs', 'acme/admins'],
    })
    expect((await verifier.verify(token)).rules).toEqual(['allow[0]'])
  })
})

describe('path case folding is ASCII-only', () => {
  it.each([
    ['an exact project_path "acme/kit"', { project_path: 'acme/kit' }, `acme/${KELVIN}it`],
    ['a namespace_path glob "kit/**"', { namespace_path: { glob: 'kit/**' } }, `${KELVIN}it/a/b`],
  ] as const)(
    'a token whose path has the Kelvin sign for k, against %s → ERR_POLICY_DENIED 403',
    async (_name, match, path) => {
      const verifier = verifierFor({ allow: [{ match }] })
      const token = gitlab.mint({ aud: AUDIENCE, project_path: path })
      const error = await refusal(verifier.verify(token))
      expect([error.code, error.status]).toEqual(['ERR_POLICY_DENIED', 403])
    },
  )

  it('control: ASCII case still folds (ACME/KIT matches acme/kit)', async () => {
    const verifier = verifierFor({ allow: [{ match: { project_path: 'acme/kit' } }] })
    const token = gitlab.mint({ aud: AUDIENCE, project_path: 'ACME/KIT' })
    expect((await verifier.verify(token)).rules).toEqual(['allow[0]'])
  })
})
