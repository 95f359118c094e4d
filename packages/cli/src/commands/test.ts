/**
 * `gitlab-id-token test CASES.yaml`: table-driven policy tests, each case a claim set or a
 * `.gitlab-ci.yml` job, with its expected outcome and grants.
 *
 * @module
 */

import { dirname, resolve } from 'node:path'
import {
  createVerifier,
  isGitlabIdTokenError,
  type JsonWebKeySet,
  type Verifier,
} from '@gitlab-id-token/core'
import { createMockGitlab, generateSigningKey, type MockGitlab } from '@gitlab-id-token/testing'
import { policyOptions, readPolicyFile, type PolicyFile } from '../build-verifier.js'
import type { Command, CommandContext } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { isRecord, readDocument, readText } from '../read-document.js'
import { renderExplanation } from '../render-explanation.js'
import { formatTable } from '../table.js'
import { UsageError } from '../usage-error.js'

/** One case of a cases file. */
interface Case {
  readonly name: string
  readonly job?: string
  readonly ci?: string
  readonly token?: string
  readonly claims: Record<string, unknown>
  readonly variables: Record<string, string>
  readonly require: readonly string[]
  /** `allow`, `deny` (any 403), or an exact `ERR_*` code. */
  readonly expect: string
  readonly grants?: readonly string[]
}

/** What one case produced. */
interface Outcome {
  readonly name: string
  readonly passed: boolean
  readonly expected: string
  readonly got: string
  readonly grants: readonly string[]
  readonly problems: readonly string[]
  readonly explanation?: unknown
  readonly text?: string
}

const strings = (value: unknown, what: string): string[] => {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new UsageError(`${what} must be a list of strings`)
  }
  return value
}

function readCase(value: unknown, index: number, defaultCi: string | undefined): Case {
  const at = `cases[${index}]`
  if (!isRecord(value)) throw new UsageError(`${at} must be an object`)
  const name = typeof value.name === 'string' ? value.name : at
  const expect = value.expect
  if (
    typeof expect !== 'string' ||
    !(expect === 'allow' || expect === 'deny' || expect.startsWith('ERR_'))
  ) {
    throw new UsageError(`${at} (${name}): expect is allow, deny or an ERR_* code`)
  }
  const claims = value.claims ?? {}
  const variables = value.variables ?? {}
  if (!isRecord(claims) || !isRecord(variables))
    throw new UsageError(`${at}: claims and variables are maps`)
  const job = typeof value.job === 'string' ? value.job : undefined
  const ci = typeof value.ci === 'string' ? value.ci : defaultCi
  if (job !== undefined && ci === undefined)
    throw new UsageError(`${at}: job needs ci: (in the case or at the top)`)
  return {
    name,
    ...(job === undefined ? {} : { job }),
    ...(ci === undefined ? {} : { ci }),
    ...(typeof value.token === 'string' ? { token: value.token } : {}),
    claims,
    variables: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
    require: strings(value.require, `${at}.require`),
    expect,
    ...(value.grants === undefined ? {} : { grants: strings(value.grants, `${at}.grants`) }),
  }
}

async function mintFor(gitlab: MockGitlab, test: Case, base: string): Promise<string> {
  if (test.job === undefined || test.ci === undefined) return gitlab.mint(test.claims)
  const ciYaml = await readText(resolve(base, test.ci), base)
  let tokens: Record<string, string>
  try {
    tokens = gitlab.mintForJob(ciYaml, test.job, { ...test.claims, variables: test.variables })
  } catch (error) {
    throw new UsageError(`${test.name}: ${(error as Error).message}`)
  }
  const token = test.token === undefined ? Object.values(tokens)[0] : tokens[test.token]
  if (token === undefined)
    throw new UsageError(
      `${test.name}: job ${test.job} has no id_tokens: entry ${test.token ?? ''}`,
    )
  return token
}

function audienceOf(token: string): string[] {
  const aud = (
    JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { aud?: unknown }
  ).aud
  return (Array.isArray(aud) ? aud : [aud]).filter(
    (a): a is string => typeof a === 'string' && a !== '',
  )
}

async function runCase(
  test: Case,
  token: string,
  verifier: Verifier,
  context: CommandContext,
): Promise<Outcome> {
  let got: string
  let grants: readonly string[] = []
  try {
    const result = await verifier.verify(token)
    const missing = test.require.filter((g) => !result.grants.includes(g))
    got = missing.length === 0 ? 'allow' : 'ERR_INSUFFICIENT_SCOPE'
    grants = result.grants
  } catch (error) {
    if (!isGitlabIdTokenError(error) || error.code === 'ERR_INVALID_CONFIG') throw error
    got = error.code
  }
  const denied = got === 'ERR_POLICY_DENIED' || got === 'ERR_INSUFFICIENT_SCOPE'
  const problems: string[] = []
  const matches = test.expect === got || (test.expect === 'deny' && denied)
  if (!matches) problems.push(`expected ${test.expect}, got ${got === 'allow' ? 'allow' : got}`)
  if (test.grants !== undefined && got === 'allow') {
    const want = [...test.grants].sort()
    const have = [...grants].sort()
    if (want.join('\n') !== have.join('\n'))
      problems.push(`grants [${have.join(', ')}], expected [${want.join(', ')}]`)
  }
  const outcome = {
    name: test.name,
    passed: problems.length === 0,
    expected: test.expect,
    got,
    grants,
    problems,
  }
  if (outcome.passed) return outcome
  const explanation = await verifier.explain(token, { require: test.require })
  return { ...outcome, explanation, text: renderExplanation(explanation, context.out.style) }
}

async function run(context: CommandContext): Promise<number> {
  const { out, io } = context
  const file = context.positionals[0]
  if (file === undefined)
    throw new UsageError('test needs a cases file', 'usage: gitlab-id-token test cases.yaml')
  const document = await readDocument(file, io.cwd)
  if (
    !isRecord(document) ||
    typeof document.policy !== 'string' ||
    !Array.isArray(document.cases)
  ) {
    throw new UsageError(`${file}: a cases file has policy: FILE and cases: [...]`)
  }
  const base = dirname(resolve(io.cwd, file))
  const policyFile: PolicyFile = await readPolicyFile(document.policy, base)
  const defaultCi = typeof document.ci === 'string' ? document.ci : undefined
  const audience = typeof document.audience === 'string' ? document.audience : undefined
  const cases = document.cases.map((value, i) => readCase(value, i, defaultCi))
  // Two keys generated here: the mock's own pool would keep generating in the background.
  const gitlab = await createMockGitlab({
    ciKey: generateSigningKey(),
    userKey: generateSigningKey(),
    ...(audience === undefined ? {} : { audience }),
  })
  const outcomes: Outcome[] = []
  try {
    // Static keys: the cases test the policy, not the network.
    const issuer = { issuer: gitlab.issuer, jwks: gitlab.keySet as JsonWebKeySet }
    const verifiers = new Map<string, Verifier>()
    for (const test of cases) {
      const token = await mintFor(gitlab, test, base)
      const audiences = audience === undefined ? audienceOf(token) : [audience]
      const key = audiences.join('\n')
      let verifier = verifiers.get(key)
      if (verifier === undefined) {
        verifier = createVerifier({
          audience: audiences,
          issuer,
          ...policyOptions(policyFile),
          cache: false,
        })
        verifiers.set(key, verifier)
      }
      outcomes.push(await runCase(test, token, verifier, context))
    }
  } finally {
    await gitlab.close()
  }
  const failed = outcomes.filter((o) => !o.passed)
  const exit = failed.length === 0 ? EXIT.ok : EXIT.problems
  if (out.json) {
    out.document('test', {
      ok: failed.length === 0,
      code: failed.length === 0 ? null : 'ERR_TEST_FAILED',
      file,
      passed: outcomes.length - failed.length,
      failed: failed.length,
      cases: outcomes.map(({ text: _text, ...rest }) => rest),
    })
    return exit
  }
  const s = out.style
  out.line(
    formatTable(
      ['#', 'case', 'expected', 'got', 'ok'],
      outcomes.map((o, i) => [
        String(i + 1),
        o.name,
        o.expected,
        o.got === 'allow' ? `allow: ${o.grants.join(', ') || '(no grants)'}` : o.got,
        o.passed ? s.green('✓') : s.red(`✗ ${o.problems.join('; ')}`),
      ]),
    ),
  )
  for (const o of failed) {
    out.line()
    out.line(s.bold(`${o.name}: ${o.problems.join('; ')}`))
    out.line(o.text?.replace(/^(?=.)/gm, '  ') ?? '')
  }
  out.line()
  const summary = `${outcomes.length - failed.length} passed, ${failed.length} failed`
  out.line(failed.length === 0 ? s.green(`✓ ${summary}`) : s.red(`✗ ${summary}`))
  return exit
}

/** `test CASES.yaml`. */
export const test: Command = {
  name: 'test',
  usage: 'test CASES.yaml [--json]',
  description:
    'Runs each case of a cases file against its policy with real, signed tokens from an in-process mock GitLab. A case gives claims (overrides of a GitLab-shaped claim set) or a job of a .gitlab-ci.yml (minted as its id_tokens: would be, claims then set the pipeline: project_path, ref, …), and expects allow, deny (403) or an exact ERR_* code, optionally with the exact grants and required grants. A failing case prints the full explanation. Exit 0 when every case passes, 1 otherwise.',
  flags: {},
  examples: ['gitlab-id-token test policy.cases.yaml'],
  maxPositionals: 1,
  run,
}
