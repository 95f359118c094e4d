/**
 * `inspect` and `verify` end to end against a real mock GitLab on loopback: a refused token of
 * every class with its exit code (in-process, and one per exit code as a real subprocess), every
 * way of passing a token.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { AT, AUD, CLOCK, FIXED_CLAIMS, ISSUER, WIDGET } from './fixtures/fixed-token.js'
import { cli, ROOT, spawnCli, stable } from './support.js'

// A few tests start real subprocesses (each ~0.3 s of TypeScript loading, more on a busy machine).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 })

const POLICY = join(ROOT, 'examples/fastify-api/policy.yaml')

let gitlab: MockGitlab
let down: MockGitlab
let dir: string
const widget = { ...WIDGET, ref: 'main' }

beforeAll(async () => {
  ;[gitlab, down] = await Promise.all([
    createMockGitlab({ now: () => CLOCK }),
    createMockGitlab({ now: () => CLOCK }),
  ])
  down.setDiscoveryResponse('error')
  dir = await mkdtemp(join(tmpdir(), 'gitlab-id-token-cli-'))
})
afterAll(async () => {
  await Promise.all([gitlab.close(), down.close(), rm(dir, { recursive: true, force: true })])
})

const verify = (token: string, extra: string[] = [], issuer = gitlab.issuer) =>
  cli(['verify', '-', '--json', '--audience', AUD, '--issuer', issuer, '--at', AT, ...extra], {
    stdin: token,
  })

describe('verify', () => {
  it('gives every refusal class its exit code and stable ERR_* code', async () => {
    const token = gitlab.mint(widget)
    const [h, p] = token.split('.')
    const cases: [string, Promise<Awaited<ReturnType<typeof cli>>>, number, string | undefined][] =
      [
        [
          'allowed',
          verify(token, ['--policy', POLICY, '--require', 'deploy:production']),
          0,
          undefined,
        ],
        ['validity only', verify(token), 0, undefined],
        ['malformed', verify('abc.def'), 1, 'ERR_TOKEN_MALFORMED'],
        [
          'forged signature',
          verify(`${h}.${p}.${gitlab.mint({ ...widget, ref: 'x' }).split('.')[2]}`),
          1,
          'ERR_SIGNATURE_INVALID',
        ],
        [
          'untrusted issuer',
          verify(gitlab.mint({ ...widget, iss: 'https://evil.example' })),
          1,
          'ERR_ISSUER_UNTRUSTED',
        ],
        [
          'wrong audience',
          verify(gitlab.mint({ ...widget, aud: 'https://other.example' })),
          1,
          'ERR_AUDIENCE_MISMATCH',
        ],
        [
          'expired',
          verify(gitlab.mint(widget, { now: CLOCK - 2 * 3600_000 })),
          1,
          'ERR_TOKEN_EXPIRED',
        ],
        [
          'not yet valid',
          verify(gitlab.mint(widget, { now: CLOCK + 3600_000 })),
          1,
          'ERR_TOKEN_NOT_YET_VALID',
        ],
        ['user-login token', verify(gitlab.mintUserToken({ aud: AUD })), 1, 'ERR_NOT_A_CI_TOKEN'],
        [
          'unknown kid',
          verify(gitlab.sign(gitlab.buildClaims(widget), { header: { kid: 'nope' } })),
          1,
          'ERR_KEY_NOT_FOUND',
        ],
        [
          'HS256',
          verify(
            gitlab.sign(gitlab.buildClaims(widget), { header: { alg: 'HS256' }, key: 'secret' }),
          ),
          1,
          'ERR_ALGORITHM_NOT_ALLOWED',
        ],
        [
          'denied',
          verify(gitlab.mint({ ...widget, ref: 'fix/typo' }), ['--policy', POLICY]),
          2,
          'ERR_POLICY_DENIED',
        ],
        [
          'missing grant',
          verify(token, ['--policy', POLICY, '--require', 'deploy:staging']),
          2,
          'ERR_INSUFFICIENT_SCOPE',
        ],
        ['key set down', verify(down.mint(widget), [], down.issuer), 3, 'ERR_JWKS_UNAVAILABLE'],
        [
          'bad policy',
          verify(token, ['--policy', join(ROOT, 'package.json')]),
          4,
          'ERR_INVALID_CONFIG',
        ],
        ['too old', verify(token, ['--max-age', '60']), 1, 'ERR_TOKEN_TOO_OLD'],
        ['empty stdin', verify(''), 4, 'ERR_USAGE'],
        ['garbage --at', verify(token, ['--at', 'soon']), 4, 'ERR_USAGE'],
      ]
    const runs = await Promise.all(cases.map(([, run]) => run))
    runs.forEach((run, i) => {
      if (!run.stdout.startsWith('{'))
        throw new Error(`${cases[i]![0]}: ${run.code} ${run.stdout} ${run.stderr}`)
    })
    const got = runs.map((run, i) => [cases[i]![0], run.code, run.json().code ?? undefined])
    expect(got).toEqual(cases.map(([name, , exit, code]) => [name, exit, code]))
    for (const run of runs) {
      expect(run.json().version).toBe(1)
      expect(run.stdout).not.toContain(token.split('.')[2])
    }
    const denied = runs[11]!.json()
    expect(denied.failed.map((c: { name: string }) => c.name)).toEqual(['policy'])
    expect(denied.token).toMatchObject({
      fingerprint: expect.stringMatching(/^sha256:/),
      jti: expect.any(String),
    })
    expect(runs[0]!.json()).toMatchObject({
      ok: true,
      grants: ['deploy:production'],
      rules: ['production-deploy'],
    })
  })

  it('exits with each code as a real process: 0, 1, 2, 3, 4', async () => {
    const flags = ['--audience', AUD, '--at', AT, '--json']
    const run = (token: string, extra: string[] = [], issuer = gitlab.issuer) =>
      spawnCli(['verify', '-', ...flags, '--issuer', issuer, ...extra], { stdin: token })
    const runs = await Promise.all([
      run(gitlab.mint(widget), ['--policy', POLICY]),
      run(gitlab.mint(widget, { now: CLOCK - 2 * 3600_000 })),
      run(gitlab.mint({ ...widget, ref: 'fix/typo' }), ['--policy', POLICY]),
      run(down.mint(widget), [], down.issuer),
      run(gitlab.mint(widget), ['--at', 'yesterday']),
    ])
    expect(runs.map((r) => [r.code, r.json().code ?? null, r.json().version])).toEqual([
      [0, null, 1],
      [1, 'ERR_TOKEN_EXPIRED', 1],
      [2, 'ERR_POLICY_DENIED', 1],
      [3, 'ERR_JWKS_UNAVAILABLE', 1],
      [4, 'ERR_USAGE', 1],
    ])
    // Diagnostics only on stderr, and none for these: stdout is the one document.
    expect(runs.map((r) => r.stderr)).toEqual(['', '', '', '', ''])
  })

  it('asks "was it valid then" with --at, and refuses usage errors with exit 4', async () => {
    const old = gitlab.mint(widget, { now: CLOCK - 2 * 3600_000 })
    const [then, noAudience, badAt] = await Promise.all([
      cli(
        [
          'verify',
          '-',
          '--audience',
          AUD,
          '--issuer',
          gitlab.issuer,
          '--at',
          '2026-12-01T08:30:00Z',
        ],
        { stdin: old },
      ),
      cli(['verify', '-', '--json'], { stdin: old }),
      cli(['verify', '-', '--audience', AUD, '--at', 'yesterday'], { stdin: old }),
    ])
    expect(then.code).toBe(0)
    expect(then.stdout).toMatch(/✓ verified \(no --policy: validity only\)/)
    expect(noAudience.code).toBe(4)
    expect(noAudience.json()).toMatchObject({
      ok: false,
      code: 'ERR_USAGE',
      message: '--audience is required',
    })
    expect(badAt.code).toBe(4)
    expect(badAt.stderr).toMatch(/--at "yesterday" is not a time/)
  })

  it('reads the token from stdin, @file, --token-env or an argument, and prints a human answer', async () => {
    const token = gitlab.mint(widget)
    await writeFile(join(dir, 'token.txt'), `${token}\n`)
    const flags = ['--audience', AUD, '--issuer', gitlab.issuer, '--policy', POLICY, '--at', AT]
    const runs = await Promise.all([
      cli(['verify', ...flags], { stdin: `Bearer ${token}\n` }),
      cli(['verify', `@${join(dir, 'token.txt')}`, ...flags]),
      cli(['verify', '--token-env', 'DEPLOY_TOKEN', ...flags], { env: { DEPLOY_TOKEN: token } }),
      cli(['verify', token, ...flags]),
    ])
    for (const run of runs) {
      expect(run.code).toBe(0)
      expect(run.stdout).toContain('✓ verified and allowed: deploy:production')
      expect(run.stdout).toMatch(/expires +2026-12-01 11:00:00Z \(in 46 min\)/)
      expect(run.stdout).not.toContain(token)
      // Not a TTY here: no bare-argument warning, and no colour.
      expect(run.stderr).toBe('')
      expect(run.stdout).not.toContain('\u001b[')
    }
    const missing = await cli(['verify', '@/nonexistent/token', ...flags])
    expect([missing.code, missing.stderr]).toEqual([
      4,
      expect.stringContaining('cannot read /nonexistent/token: ENOENT'),
    ])
  })

  it('verifies against a key set file (offline) or URL with --jwks, instead of discovery', async () => {
    const token = gitlab.mint(widget)
    const jwks = join(dir, 'jwks.json')
    await writeFile(jwks, JSON.stringify(gitlab.keySet))
    const flags = ['--json', '--audience', AUD, '--issuer', gitlab.issuer, '--at', AT]
    // Discovery broken: only --jwks can find the keys.
    gitlab.setDiscoveryResponse('error')
    try {
      const [file, url, none] = await Promise.all([
        cli(['verify', '-', ...flags, '--jwks', jwks], { stdin: token }),
        cli(['verify', '-', ...flags, '--jwks', gitlab.jwksUri], { stdin: token }),
        cli(['verify', '-', ...flags], { stdin: token }),
      ])
      expect([file.code, file.json().ok, url.code, url.json().ok]).toEqual([0, true, 0, true])
      expect([none.code, none.json().code]).toEqual([3, 'ERR_JWKS_UNAVAILABLE'])
    } finally {
      gitlab.setDiscoveryResponse('ok')
    }
  })

  it('warns about a bare token argument only when stderr is a terminal', async () => {
    const token = gitlab.mint(widget)
    const flags = ['--audience', AUD, '--issuer', gitlab.issuer, '--at', AT]
    const tty = { stdout: true, stderr: true }
    const [bare, piped, pipedOut] = await Promise.all([
      cli(['verify', token, ...flags], { tty }),
      cli(['verify', ...flags], { stdin: token, tty }),
      cli(['verify', token, ...flags]),
    ])
    expect(bare.code).toBe(0)
    expect(bare.stderr).toBe(
      '\u001b[33mwarning: a token on the command line is visible in ps and shell history; pipe it, or use @file or --token-env VAR\u001b[39m\n',
    )
    expect(bare.stdout).toContain('\u001b[32m✓ verified')
    expect([piped.code, piped.stderr]).toEqual([0, ''])
    expect([pipedOut.code, pipedOut.stderr]).toEqual([0, ''])
  })
})

describe('inspect', () => {
  it('prints the grouped table under NOT VERIFIED, with warnings (snapshot)', async () => {
    const fixed = await createMockGitlab({ issuer: ISSUER, now: () => CLOCK })
    try {
      const token = fixed.sign({ ...FIXED_CLAIMS, ref_protected: '' })
      const human = await cli(['inspect', '-', '--at', AT], { stdin: token })
      expect(human.code).toBe(0)
      await expect(stable(human.stdout, { [fixed.ciKey.kid]: '<kid>' })).toMatchFileSnapshot(
        '__snapshots__/inspect.txt',
      )
      const json = (await cli(['inspect', '-', '--json', '--at', AT], { stdin: token })).json()
      expect(json).toMatchObject({
        version: 1,
        command: 'inspect',
        verified: false,
        kind: 'ci',
        claims: { project_id: '4242' },
        times: { lifetimeSeconds: 3600, expiresInSeconds: 2760 },
      })
      expect(json.warnings.map((w: { code: string }) => w.code)).toContain('ref-protected-empty')
    } finally {
      await fixed.close()
    }
  })

  it('flags user-login and fork tokens, and exits 1 on garbage', async () => {
    const [user, fork, garbage] = await Promise.all([
      cli(['inspect', '--json'], { stdin: gitlab.mintUserToken() }),
      cli(['inspect'], {
        stdin: gitlab.mint({ project_path: 'mallory/widget', job_project_path: 'acme/widget' }),
      }),
      cli(['inspect', '--json'], { stdin: 'not a token' }),
    ])
    expect(user.json()).toMatchObject({
      kind: 'user-login',
      warnings: expect.arrayContaining([expect.objectContaining({ code: 'user-login-token' })]),
    })
    expect(fork.stdout).toMatch(/job runs in +acme\/widget/)
    expect(fork.stdout).toMatch(/! a fork merge-request pipeline/)
    expect([garbage.code, garbage.json().code]).toEqual([1, 'ERR_TOKEN_MALFORMED'])
  })
})
