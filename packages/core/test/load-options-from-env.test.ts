import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { GitlabIdTokenError } from '../src/errors.js'
import { loadOptionsFromEnv } from '../src/load-options-from-env.js'
import { evaluatePolicy } from '../src/policy.js'
import type { GitlabIdTokenClaims } from '../src/claims.js'
import { expectConfigError } from './fixtures.js'

const dir = mkdtempSync(join(tmpdir(), 'gitlab-id-token-env-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const AUDIENCE = 'https://deploy.example.com'
const INLINE = '{"allow":[{"match":{"project_id":"42"}}]}'

function configError(env: Record<string, string | undefined>): GitlabIdTokenError {
  return expectConfigError(() => loadOptionsFromEnv(env))
}

describe('audience and issuer', () => {
  it('reads a single audience as a string and omits an unset issuer', () => {
    const options = loadOptionsFromEnv({
      GITLAB_ID_TOKEN_AUDIENCE: ` ${AUDIENCE} `,
      GITLAB_ID_TOKEN_POLICY: INLINE,
    })
    expect(options).toEqual({
      audience: AUDIENCE,
      policy: { allow: [{ match: { project_id: '42' } }] },
    })
    expect('issuer' in options).toBe(false)
    expect('allowAnyProject' in options).toBe(false)
  })

  it('splits comma-separated values, trimming and dropping empty ones', () => {
    const options = loadOptionsFromEnv({
      GITLAB_ID_TOKEN_AUDIENCE: ' a , ,b,',
      GITLAB_ID_TOKEN_ISSUER: 'https://gitlab.com, https://gitlab.example.com ',
      GITLAB_ID_TOKEN_POLICY: INLINE,
    })
    expect(options.audience).toEqual(['a', 'b'])
    expect(options.issuer).toEqual(['https://gitlab.com', 'https://gitlab.example.com'])
    expect(
      loadOptionsFromEnv({
        GITLAB_ID_TOKEN_AUDIENCE: 'a',
        GITLAB_ID_TOKEN_ISSUER: ' https://g.example ',
        GITLAB_ID_TOKEN_POLICY: INLINE,
      }).issuer,
    ).toBe('https://g.example')
  })

  it.each([undefined, '', '  ', ' , '])(
    'a missing audience (%o) names GITLAB_ID_TOKEN_AUDIENCE',
    (value) => {
      const error = configError({ GITLAB_ID_TOKEN_AUDIENCE: value, GITLAB_ID_TOKEN_POLICY: INLINE })
      expect(error.message).toMatch(/^GITLAB_ID_TOKEN_AUDIENCE is not set/)
    },
  )
})

describe('policy', () => {
  const env = (policy: string | undefined) => ({
    GITLAB_ID_TOKEN_AUDIENCE: AUDIENCE,
    GITLAB_ID_TOKEN_POLICY: policy,
  })

  it.each([undefined, '', '   '])('a missing policy (%o) names GITLAB_ID_TOKEN_POLICY', (value) => {
    expect(configError(env(value)).message).toMatch(/^GITLAB_ID_TOKEN_POLICY is not set/)
  })

  it('reads inline JSON after trimming', () => {
    expect(loadOptionsFromEnv(env(`  ${INLINE}\n`)).policy).toEqual({
      allow: [{ match: { project_id: '42' } }],
    })
  })

  it('reports invalid inline JSON with the SyntaxError as cause', () => {
    const error = configError(env('{"allow": ['))
    expect(error.message).toMatch(/^GITLAB_ID_TOKEN_POLICY \(inline JSON\): invalid JSON/)
    expect(error.cause).toBeInstanceOf(SyntaxError)
  })

  it('reads a .json file, ignoring $schema and mapping allowAnyProject', () => {
    const path = file(
      'policy.json',
      JSON.stringify({
        $schema: './node_modules/@gitlab-id-token/core/policy.schema.json',
        allowAnyProject: true,
        allow: [{ name: 'protected', match: { ref_protected: true }, grants: ['read'] }],
      }),
    )
    const options = loadOptionsFromEnv(env(path))
    expect(options.allowAnyProject).toBe(true)
    expect(options.policy).toEqual({
      allow: [{ name: 'protected', match: { ref_protected: true }, grants: ['read'] }],
    })
  })

  it('reads .yaml and .yml files, regexes as { regex, flags }', () => {
    const yaml = [
      '# deploy policy',
      'allow:',
      '  - name: prod-deploy',
      '    match:',
      '      project_id: 42',
      '      ref_protected: true',
      '      ref: { regex: "v\\\\d+", flags: i }',
      '    grants: [deploy]',
      '  - match:',
      '      namespace_path: [platform, { glob: "platform/**" }]',
      'deny:',
      '  - match: { pipeline_source: merge_request_event }',
      '',
    ].join('\n')
    for (const name of ['policy.yaml', 'policy.yml', 'POLICY.YML']) {
      const { policy } = loadOptionsFromEnv(env(file(name, yaml)))
      expect(policy.allow[0]).toEqual({
        name: 'prod-deploy',
        match: { project_id: 42, ref_protected: true, ref: { regex: 'v\\d+', flags: 'i' } },
        grants: ['deploy'],
      })
      const claims = {
        project_id: '42',
        ref_protected: 'true',
        ref: 'V12',
        namespace_path: 'x',
        pipeline_source: 'push',
      } as unknown as GitlabIdTokenClaims
      expect(evaluatePolicy(policy, claims)).toMatchObject({
        allowed: true,
        grants: ['deploy'],
        rules: ['prod-deploy'],
      })
    }
  })

  it('refuses other extensions', () => {
    expect(configError(env(file('policy.toml', 'allow = []'))).message).toMatch(
      /must end in \.json, \.yaml or \.yml/,
    )
  })

  it('reports an unreadable file with the fs error as cause', () => {
    const error = configError(env(join(dir, 'missing.yaml')))
    expect(error.message).toMatch(/missing\.yaml\): cannot read the policy file/)
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT')
  })

  it('reports YAML and JSON parse errors with the cause chained', () => {
    const yamlError = configError(env(file('bad.yaml', 'allow: [\n  - match: {')))
    expect(yamlError.message).toMatch(/invalid YAML/)
    expect(yamlError.cause).toBeInstanceOf(Error)
    const jsonError = configError(env(file('bad.json', '{ allow: }')))
    expect(jsonError.message).toMatch(/invalid JSON/)
    expect(jsonError.cause).toBeInstanceOf(SyntaxError)
  })

  it('validates the policy at load time, naming the source', () => {
    const unpinned = configError(env(file('unpinned.yaml', 'allow:\n  - match: { ref: main }\n')))
    expect(unpinned.message).toMatch(/unpinned\.yaml\): policy allow\[0\] does not pin/)
    expect(unpinned.cause).toBeInstanceOf(GitlabIdTokenError)
    expect(configError(env('{"allow":[{"match":{"projectid":"1"}}]}')).message).toMatch(
      /unknown claim "projectid"/,
    )
    expect(configError(env(file('list.yaml', '- allow\n'))).message).toMatch(/must be an object/)
    expect(configError(env(file('empty.yml', ''))).message).toMatch(/must be an object/)
    expect(configError(env('{"allowAnyProject":"yes","allow":[]}')).message).toMatch(
      /allowAnyProject must be true, false or \{ issuers: \[\.\.\.\] \}/,
    )
    expect(
      configError(env('{"allowAnyProject":{"issuer":["https://a.example"]},"allow":[]}')).message,
    ).toMatch(/allowAnyProject must be true, false or \{ issuers/)
    expect(
      configError(env('{"allowAnyProjectOnSharedInstance":"yes","allow":[]}')).message,
    ).toMatch(/allowAnyProjectOnSharedInstance must be true or false/)
  })
})

describe('allowAnyProject in a policy file', () => {
  const A = 'https://gitlab.a.example'
  const B = 'https://gitlab.b.example'
  const env = (policy: string) => ({
    GITLAB_ID_TOKEN_AUDIENCE: AUDIENCE,
    GITLAB_ID_TOKEN_POLICY: policy,
  })
  const unpinned = (iss: string): string =>
    `allow:\n  - name: any\n    match: { iss: "${iss}", ref_protected: true }\n`

  it('reads allowAnyProject: { issuers } from YAML, as the verifier option of that name', () => {
    const path = file('scoped.yaml', `allowAnyProject:\n  issuers: ["${A}"]\n${unpinned(A)}`)
    const options = loadOptionsFromEnv({ ...env(path), GITLAB_ID_TOKEN_ISSUER: `${A},${B}` })
    expect(options.allowAnyProject).toEqual({ issuers: [A] })
    expect(options.issuer).toEqual([A, B])
    expect('allowAnyProjectOnSharedInstance' in options).toBe(false)
  })

  it('reads the loud shared-instance override next to it', () => {
    const path = file(
      'shared.json',
      JSON.stringify({
        allowAnyProject: true,
        allowAnyProjectOnSharedInstance: true,
        allow: [{ match: { ref_protected: true } }],
      }),
    )
    const options = loadOptionsFromEnv(env(path))
    expect(options.allowAnyProject).toBe(true)
    expect(options.allowAnyProjectOnSharedInstance).toBe(true)
  })

  it('refuses an empty or non-string issuers list, naming the source', () => {
    for (const value of ['[]', '[1]', '"https://a.example"']) {
      const error = configError(
        env(`{"allowAnyProject":{"issuers":${value}},"allow":[{"match":{"ref":"main"}}]}`),
      )
      expect(error.message).toMatch(
        /^GITLAB_ID_TOKEN_POLICY \(inline JSON\): allowAnyProject\.issuers must be a non-empty array/,
      )
    }
  })
})
