/**
 * `lint` on each smell it knows, and `test` with passing and failing cases, end to end.
 */

import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, ROOT } from './support.js'

const fixture = (name: string) => join(ROOT, 'test/cli/fixtures', name)

describe('lint', () => {
  it('finds each smell at the rule that has it', async () => {
    const run = await cli(['lint', fixture('smells.policy.yaml'), '--json'])
    expect(run.code).toBe(1)
    const report = run.json()
    expect(report).toMatchObject({
      version: 1,
      command: 'lint',
      ok: false,
      code: 'ERR_LINT',
      kind: 'policy',
      errors: 2,
    })
    const found = report.findings.map((f: any) => `${f.severity} ${f.check} ${f.at}`)
    expect(found).toEqual(
      expect.arrayContaining([
        'error tenant-pin allow[5] ("unpinned")',
        'error unknown-claim allow[6] ("unknown-claim")',
        'warning path-pin allow[0] ("path-pin")',
        'warning shadowed-rule allow[1] ("shadowed")',
        'warning glob-without-group allow[2] ("glob-without-group")',
        'warning config-uri-without-ref-protected allow[3] ("config-uri")',
        'warning regex-matcher allow[4] ("regex")',
        'warning shadowed-rule allow[7] ("denied-always")',
        'warning deny-grants deny[0] ("deny-seven")',
      ]),
    )
    const unknown = report.findings.find((f: any) => f.check === 'unknown-claim')
    expect(unknown.message).toMatch(/did you mean project_id\?/)
    const uri = report.findings.find((f: any) => f.check === 'config-uri-without-ref-protected')
    expect(uri.message).toMatch(
      /fork branch named like a protected branch .* byte-identical ci_config_ref_uri/,
    )
  })

  it('passes a clean policy, fails warnings with --strict, and prints a table', async () => {
    const [clean, lenient, strict, human] = await Promise.all([
      cli(['lint', join(ROOT, 'examples/fastify-api/policy.yaml')]),
      cli(['lint', fixture('warnings-only.policy.yaml')]),
      cli(['lint', fixture('warnings-only.policy.yaml'), '--strict']),
      cli(['lint', fixture('smells.policy.yaml')]),
    ])
    expect([clean.code, clean.stdout.trim()]).toEqual([
      0,
      expect.stringMatching(/✓ .*policy is clean$/),
    ])
    expect([lenient.code, strict.code]).toEqual([0, 1])
    expect(lenient.stdout).toMatch(/~ .*: 0 errors, 1 warning$/m)
    expect(human.stdout).toMatch(/^severity +check +where +message\n-+\nerror +tenant-pin/m)
    expect(human.stdout).toMatch(/✗ .*smells\.policy\.yaml: 2 errors, \d+ warnings/)
  })
})

describe('test', () => {
  it('passes every case of a cases file, from claims and from .gitlab-ci.yml jobs', async () => {
    const run = await cli(['test', fixture('cases.yaml')])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/1 +production from main +allow +allow: deploy:production +✓/)
    expect(run.stdout).toMatch(/2 +production from a feature branch +deny +ERR_POLICY_DENIED +✓/)
    expect(run.stdout).toContain('✓ 4 passed, 0 failed')
  })

  it('fails a case with the full explanation, and counts it in --json', async () => {
    const [human, json] = await Promise.all([
      cli(['test', fixture('failing-cases.yaml')]),
      cli(['test', fixture('failing-cases.yaml'), '--json']),
    ])
    expect(human.code).toBe(1)
    expect(human.stdout).toContain(
      'wrongly expected to deploy production: expected allow, got ERR_POLICY_DENIED',
    )
    expect(human.stdout).toMatch(/production-deploy +allow +✗ no match +project_id +"4242"/)
    expect(human.stdout).toContain('grants [deploy:staging], expected [deploy:production]')
    expect(human.stdout).toContain('✗ 1 passed, 2 failed')
    expect(json.json()).toMatchObject({ ok: false, code: 'ERR_TEST_FAILED', passed: 1, failed: 2 })
    expect(json.json().cases[1].explanation.rules[0].failures[0]).toMatchObject({
      claim: 'project_id',
    })
  })
})
