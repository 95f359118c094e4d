/**
 * What every command shares, in-process through the runner `bin.ts` calls: `--help` with an
 * example, `--json` with `version` and a stable code, exit 4 on usage errors, and colour only
 * where a person reads it (TTY, NO_COLOR, FORCE_COLOR).
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { COMMANDS, JSON_VERSION } from '@gitlab-id-token/cli'
import { createMockGitlab } from '@gitlab-id-token/testing'
import { describe, expect, it } from 'vitest'
import { gatewayConfig } from './fixtures/gateway-config.js'
import { cli, ROOT } from './support.js'

const POLICY = join(ROOT, 'test/cli/fixtures/deploy-policy.yaml')
// eslint-disable-next-line no-control-regex -- the escape sequences the CLI writes
const ANSI = /\u001b\[\d+m/g

describe('help', () => {
  it('has --help with usage, options and an example for every command', async () => {
    for (const entry of COMMANDS) {
      for (const args of [
        [entry.name, '--help'],
        [entry.name, '-h'],
        ['help', entry.name],
      ]) {
        const run = await cli(args)
        expect([args, run.code, run.stderr]).toEqual([args, 0, ''])
        expect(run.stdout).toMatch(new RegExp(`^usage: gitlab-id-token ${entry.name}`))
        expect(run.stdout).toContain('\nOptions:\n')
        expect(run.stdout).toContain('--json')
        expect(run.stdout).toMatch(new RegExp(`\nExample:\n {2}.*gitlab-id-token ${entry.name} `))
      }
    }
    const overview = await cli(['--help'])
    expect(overview.code).toBe(0)
    for (const entry of COMMANDS) expect(overview.stdout).toContain(`  ${entry.name}`)
    expect(overview.stdout).toContain(
      'Exit codes: 0 ok, 1 refused or problems found, 2 denied, 3 key set unavailable (retry), 4 usage or configuration.',
    )
    expect(overview.stdout).toMatch(/\nExample:\n {2}.*gitlab-id-token explain /)
    // No command at all is a usage error, with the overview to say what to type.
    const bare = await cli([])
    expect([bare.code, bare.stdout]).toEqual([4, overview.stdout])
    const version = await cli(['--version'])
    expect([version.code, version.stdout]).toEqual([0, expect.stringMatching(/^\d+\.\d+\.\d+/)])
  })
})

describe('--json and usage errors', () => {
  it('answers a usage error of every command with exit 4 and { version, command, code: ERR_USAGE }', async () => {
    for (const entry of COMMANDS) {
      const run = await cli([entry.name, '--no-such-flag', '--json'])
      expect([entry.name, run.code]).toEqual([entry.name, 4])
      expect(run.json()).toEqual({
        version: JSON_VERSION,
        command: entry.name,
        ok: false,
        code: 'ERR_USAGE',
        message: "Unknown option '--no-such-flag'",
        hint: `see: gitlab-id-token ${entry.name} --help`,
      })
      // stdout is the one document; nothing on stderr either.
      expect(run.stderr).toBe('')
    }
    const unknown = await cli(['frobnicate'])
    expect([unknown.code, unknown.stdout]).toEqual([4, ''])
    expect(unknown.stderr).toContain('gitlab-id-token frobnicate: unknown command "frobnicate"')
    expect(unknown.stderr).toContain('commands: inspect, verify, explain, lint, test, doctor')
    const unknownJson = await cli(['frobnicate', '--json'])
    expect(unknownJson.json()).toMatchObject({ version: 1, ok: false, code: 'ERR_USAGE' })
    const noToken = await cli(['inspect'], { tty: { stdin: true } })
    expect([noToken.code, noToken.stderr]).toEqual([4, expect.stringContaining('no token given')])
    const tooMany = await cli(['lint', 'a.yaml', 'b.yaml'])
    expect([tooMany.code, tooMany.stderr]).toEqual([
      4,
      expect.stringContaining('too many arguments: lint takes at most 1'),
    ])
  })

  it('prints a { version, command, ok } document for the long-running commands too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gitlab-id-token-json-'))
    const gitlab = await createMockGitlab()
    try {
      const keys = join(dir, 'keys.json')
      // In-process the stop signal comes at once: the command starts, reports and stops.
      const mock = await cli(['mock-issuer', '--keys-out', keys, '--fault', 'garbage', '--json'])
      expect([mock.code, mock.stderr]).toEqual([0, ''])
      expect(mock.json()).toMatchObject({
        version: 1,
        command: 'mock-issuer',
        ok: true,
        issuer: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        keysFile: keys,
        fault: 'garbage',
      })
      const config = join(dir, 'gateway.yaml')
      await writeFile(
        config,
        gatewayConfig(gitlab.issuer, [{ name: 'deploy', path: '/deploy', policy: POLICY }]),
      )
      const serve = await cli(['serve', '--config', config, '--json'])
      expect([serve.code, serve.stderr]).toEqual([0, ''])
      expect(serve.json()).toMatchObject({
        version: 1,
        command: 'serve',
        ok: true,
        checkUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/),
        routes: ['deploy'],
      })
      const badConfig = await cli(['serve', '--config', POLICY, '--json'])
      expect([badConfig.code, badConfig.json().code]).toEqual([4, 'ERR_INVALID_CONFIG'])
    } finally {
      await gitlab.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('colour', () => {
  const lint = (env: Record<string, string>, tty: { stdout?: boolean; stderr?: boolean } = {}) =>
    cli(['lint', POLICY], { env, tty })
  const GREEN = '\u001b[32m✓'

  it('colours a TTY only, honouring NO_COLOR, FORCE_COLOR and TERM=dumb', async () => {
    const tty = { stdout: true }
    const runs = await Promise.all([
      lint({}, tty),
      lint({}),
      lint({ NO_COLOR: '1' }, tty),
      lint({ NO_COLOR: '' }, tty),
      lint({ TERM: 'dumb' }, tty),
      lint({ FORCE_COLOR: '1' }),
      lint({ FORCE_COLOR: '0' }, tty),
      lint({ FORCE_COLOR: 'false' }, tty),
      // As in Node's own tty.getColorDepth, FORCE_COLOR wins over NO_COLOR when both are set.
      lint({ FORCE_COLOR: '1', NO_COLOR: '1' }),
    ])
    expect(runs.map((run) => [run.code, run.stdout.startsWith(GREEN)])).toEqual([
      [0, true],
      [0, false],
      [0, false],
      [0, true],
      [0, false],
      [0, true],
      [0, false],
      [0, false],
      [0, true],
    ])
    for (const run of runs) expect(run.stdout.replace(ANSI, '')).toMatch(/^✓ .*clean\n$/)
  })

  it('never colours --json, even when forced, and colours stderr by its own terminal', async () => {
    const json = await cli(['lint', POLICY, '--json'], { env: { FORCE_COLOR: '1' } })
    expect(json.stdout).not.toContain('\u001b[')
    expect(json.json()).toMatchObject({ ok: true, code: null })
    const [errTty, errPipe] = await Promise.all([
      cli(['lint', '/nonexistent.yaml'], { tty: { stderr: true } }),
      cli(['lint', '/nonexistent.yaml'], { tty: { stdout: true } }),
    ])
    expect(errTty.stderr).toBe(
      '\u001b[31mgitlab-id-token lint: cannot read /nonexistent.yaml: ENOENT\u001b[39m\n',
    )
    expect(errPipe.stderr).toBe('gitlab-id-token lint: cannot read /nonexistent.yaml: ENOENT\n')
    expect([errTty.code, errPipe.code]).toEqual([4, 4])
  })
})
