/**
 * `lint` on each smell the issue lists, one file per smell: the file with the smell gives exactly
 * that finding (severity, check, place) and its exit code; the same file with the smell fixed is
 * clean. In-process, through the runner `bin.ts` calls.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gatewayConfig } from './fixtures/gateway-config.js'
import { cli } from './support.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gitlab-id-token-lint-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

interface Smell {
  /** The file with the smell. */
  readonly bad: string
  /** The same file without it. */
  readonly good: string
  readonly finding: { severity: 'error' | 'warning'; check: string; at: string; message?: RegExp }
}

const GATEWAY = 'https://gitlab.example.com'
const route = (name: string, path: string, methods?: string[]) => ({
  name,
  path,
  ...(methods === undefined ? {} : { methods }),
  policy: `{ allow: [{ name: ${name}-rule, match: { project_id: '4242' } }] }`,
})

const SMELLS: Record<string, Smell> = {
  schema: {
    bad: "allow:\n  - { name: deploy, match: { project_id: '4242' }, grant: [deploy] }",
    good: "allow:\n  - { name: deploy, match: { project_id: '4242' }, grants: [deploy] }",
    finding: { severity: 'error', check: 'schema', at: 'allow[0] ("deploy")', message: /grant/ },
  },
  'tenant pin': {
    bad: 'allow:\n  - { name: protected, match: { ref_protected: true } }',
    good: "allow:\n  - { name: protected, match: { project_id: '4242', ref_protected: true } }",
    finding: { severity: 'error', check: 'tenant-pin', at: 'allow[0] ("protected")' },
  },
  'unknown claim': {
    bad: "allow:\n  - { name: typo, match: { projet_id: '4242' } }",
    good: "allow:\n  - { name: typo, match: { project_id: '4242' } }",
    finding: {
      severity: 'error',
      check: 'unknown-claim',
      at: 'allow[0] ("typo")',
      message: /^unknown claim "projet_id"; did you mean project_id\?$/,
    },
  },
  'shadowed rule': {
    bad: [
      'allow:',
      "  - { name: any-ref, match: { project_id: '4242' }, grants: [deploy] }",
      "  - { name: main-only, match: { project_id: '4242', ref: main }, grants: [deploy] }",
    ].join('\n'),
    good: [
      'allow:',
      "  - { name: any-ref, match: { project_id: '4242' }, grants: [read] }",
      "  - { name: main-only, match: { project_id: '4242', ref: main }, grants: [deploy] }",
    ].join('\n'),
    finding: {
      severity: 'warning',
      check: 'shadowed-rule',
      at: 'allow[1] ("main-only")',
      message: /shadowed by allow\[0\] \("any-ref"\)/,
    },
  },
  'shadowed route': {
    bad: gatewayConfig(GATEWAY, [
      route('all', '/deploy'),
      route('prod', '/deploy/production', ['POST']),
    ]),
    good: gatewayConfig(GATEWAY, [
      route('prod', '/deploy/production', ['POST']),
      route('all', '/deploy'),
    ]),
    finding: {
      severity: 'error',
      check: 'shadowed-route',
      at: 'file',
      message: /routes\[1\] \(prod\) is shadowed/,
    },
  },
  '** without the group itself': {
    bad: "allow:\n  - { name: group, match: { namespace_path: { glob: 'acme/**' }, ref_protected: true } }",
    good: "allow:\n  - { name: group, match: { namespace_path: [acme, { glob: 'acme/**' }], ref_protected: true } }",
    finding: {
      severity: 'warning',
      check: 'glob-without-group',
      at: 'allow[0] ("group")',
      message: /does not match the group "acme" itself/,
    },
  },
  'path pin where an ID pin exists': {
    bad: 'allow:\n  - { name: widget, match: { project_path: acme/widget } }',
    good: "allow:\n  - { name: widget, match: { project_id: '4242' } }",
    finding: {
      severity: 'warning',
      check: 'path-pin',
      at: 'allow[0] ("widget")',
      message: /prefer project_id/,
    },
  },
  'ci_config_ref_uri pin without ref_protected': {
    bad: 'allow:\n  - { name: config, match: { ci_config_ref_uri: gitlab.example.com/acme/widget//.gitlab-ci.yml@refs/heads/main } }',
    good: 'allow:\n  - { name: config, match: { ci_config_ref_uri: gitlab.example.com/acme/widget//.gitlab-ci.yml@refs/heads/main, ref_protected: true } }',
    finding: {
      severity: 'warning',
      check: 'config-uri-without-ref-protected',
      at: 'allow[0] ("config")',
      message: /byte-identical ci_config_ref_uri/,
    },
  },
  'regex matcher': {
    bad: "allow:\n  - { name: tags, match: { project_id: '4242', ref: { regex: 'v[0-9]+' } } }",
    good: "allow:\n  - { name: tags, match: { project_id: '4242', ref: { glob: 'v*' } } }",
    finding: {
      severity: 'warning',
      check: 'regex-matcher',
      at: 'allow[0] ("tags")',
      message: /^ref uses a regex/,
    },
  },
  'identity header that can be empty': {
    bad: gatewayConfig(
      GATEWAY,
      [route('deploy', '/deploy')],
      ['identityHeaders:', '  X-Gitlab-Environment: environment'],
    ),
    good: gatewayConfig(
      GATEWAY,
      [route('deploy', '/deploy')],
      ['identityHeaders:', '  X-Gitlab-Environment: { claim: environment, default: none }'],
    ),
    finding: {
      severity: 'error',
      check: 'identity-header-empty',
      at: 'identityHeaders.X-Gitlab-Environment',
      message: /environment can be absent or ""/,
    },
  },
}

describe('lint, one smell at a time', () => {
  it.each(Object.entries(SMELLS))('%s', async (name, smell) => {
    const file = (kind: string) => join(dir, `${name.replace(/\W+/g, '-')}.${kind}.yaml`)
    await Promise.all([writeFile(file('bad'), smell.bad), writeFile(file('good'), smell.good)])
    const [bad, human, good] = await Promise.all([
      cli(['lint', file('bad'), '--json']),
      cli(['lint', file('bad')]),
      cli(['lint', file('good'), '--json']),
    ])
    const { message, ...where } = smell.finding
    expect(bad.json().findings).toEqual([
      {
        ...where,
        message: message === undefined ? expect.any(String) : expect.stringMatching(message),
      },
    ])
    const error = smell.finding.severity === 'error'
    expect(bad.code).toBe(error ? 1 : 0)
    expect(bad.json()).toMatchObject({
      version: 1,
      command: 'lint',
      ok: !error,
      code: error ? 'ERR_LINT' : null,
      errors: error ? 1 : 0,
      warnings: error ? 0 : 1,
    })
    expect(human.stdout).toContain(`${smell.finding.severity}`)
    expect(human.stdout).toMatch(
      new RegExp(
        `^${smell.finding.severity} +${smell.finding.check} +${escape(smell.finding.at)} `,
        'm',
      ),
    )
    if (!error) {
      // A warning fails only with --strict.
      expect((await cli(['lint', file('bad'), '--strict'])).code).toBe(1)
    }
    expect([good.code, good.json().findings]).toEqual([0, []])
  })
})

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
