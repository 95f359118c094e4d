/**
 * What `npx @gitlab-id-token/cli` needs: a `bin` in the published files that starts with a
 * shebang, and that starts as a real process (compiled `dist` when built, else the source); and
 * every command that exits on its own, run once as a real process.
 */

import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMockGitlab } from '@gitlab-id-token/testing'
import { describe, expect, it } from 'vitest'
import { writeMockKeys } from '../../packages/cli/src/keys-file.js'
import { AUD, mintJob, WIDGET } from './fixtures/fixed-token.js'
import { DIST_BIN, ROOT, RUNNER, spawnCli } from './support.js'

const pkgDir = join(ROOT, 'packages/cli')
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
  name: string
  version: string
  bin: Record<string, string>
  files: string[]
  dependencies: Record<string, string>
}

describe('the published executable', () => {
  it('is bin gitlab-id-token → dist/bin.js, in the published files, with a shebang', () => {
    expect(pkg.name).toBe('@gitlab-id-token/cli')
    expect(pkg.bin).toEqual({ 'gitlab-id-token': './dist/bin.js' })
    expect(pkg.files).toContain('dist')
    // tsc keeps the first line of bin.ts, so dist/bin.js starts with it too.
    expect(readFileSync(join(pkgDir, 'src/bin.ts'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/)
    if (existsSync(DIST_BIN)) {
      expect(readFileSync(DIST_BIN, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/)
    }
    // What the CLI imports at run time is a dependency, not a devDependency.
    for (const name of [
      '@gitlab-id-token/core',
      '@gitlab-id-token/gateway',
      '@gitlab-id-token/testing',
      'yaml',
    ]) {
      expect(pkg.dependencies[name]).toBeDefined()
    }
  })

  it(`starts as a real process (${RUNNER}) and prints its version and help`, async () => {
    const [version, help] = await Promise.all([spawnCli(['--version']), spawnCli(['--help'])])
    expect([version.code, version.stdout, version.stderr]).toEqual([0, `${pkg.version}\n`, ''])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^usage: gitlab-id-token <command> \[options\]/)
  })

  it('runs explain, lint, test, doctor and mint as real processes with their exit codes', async () => {
    const gitlab = await createMockGitlab()
    const dir = await mkdtemp(join(tmpdir(), 'gitlab-id-token-process-'))
    try {
      const keys = join(dir, 'keys.json')
      await writeMockKeys(
        keys,
        { issuer: gitlab.issuer, ciKey: gitlab.ciKey, userKey: gitlab.userKey },
        dir,
      )
      const fixture = (name: string) => join(ROOT, 'test/cli/fixtures', name)
      const env = { GITLAB_ID_TOKEN_ISSUER: gitlab.issuer }
      const denied = gitlab.mint({ ...WIDGET, ref: 'fix/typo' })
      await writeFile(join(dir, 'denied.txt'), denied)
      const [explain, lint, test, doctor, mint] = await Promise.all([
        spawnCli(
          [
            'explain',
            `@${join(dir, 'denied.txt')}`,
            '--audience',
            AUD,
            '--policy',
            fixture('deploy-policy.yaml'),
            '--json',
          ],
          { env },
        ),
        spawnCli(['lint', fixture('smells.policy.yaml'), '--json']),
        spawnCli(['test', fixture('cases.yaml'), '--json']),
        spawnCli(['doctor', '--json'], { env }),
        spawnCli(mintJob(keys, 'deploy-staging', '--format', 'json')),
      ])
      expect(
        [explain, lint, test, doctor, mint].map((run) => [
          run.code,
          run.json().command,
          run.json().code ?? null,
          run.stderr,
        ]),
      ).toEqual([
        [2, 'explain', 'ERR_POLICY_DENIED', ''],
        [1, 'lint', 'ERR_LINT', ''],
        [0, 'test', null, ''],
        [0, 'doctor', null, ''],
        [0, 'mint', null, ''],
      ])
      expect(mint.json().tokens.DEPLOY_TOKEN).toMatch(/^eyJ/)
    } finally {
      await Promise.all([gitlab.close(), rm(dir, { recursive: true, force: true })])
    }
  })
})
