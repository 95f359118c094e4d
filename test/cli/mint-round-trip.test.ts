/**
 * `mock-issuer` as a long-running subprocess, `mint --ci examples/gitlab-ci.yml` against its keys,
 * then `verify` and `explain` of the minted tokens against it: the offline toolchain end to end.
 */

import type { ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { mintJob } from './fixtures/fixed-token.js'
import { cli, ROOT, startCli } from './support.js'

// mock-issuer runs as a real subprocess (~0.3 s of TypeScript loading, more on a busy machine).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 })

let dir: string
let mock: ChildProcess
let issuer: string
const keys = () => join(dir, 'mock-keys.json')

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gitlab-id-token-mint-'))
  mock = startCli(['mock-issuer', '--keys-out', keys()])
  issuer = await new Promise<string>((resolve, reject) => {
    let out = ''
    mock.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const line = /^GITLAB_ID_TOKEN_ISSUER=(\S+)$/m.exec(out)
      if (line !== null) resolve(line[1]!)
    })
    mock.on('exit', (code) => reject(new Error(`mock-issuer exited with ${code}`)))
  })
}, 60_000)
afterAll(async () => {
  mock.kill('SIGTERM')
  await rm(dir, { recursive: true, force: true })
})

describe('mint and verify against mock-issuer', () => {
  it("mints a job's id_tokens: as NAME=token lines and verifies them round trip", async () => {
    expect((await stat(keys())).mode & 0o777).toBe(0o600)
    const minted = await cli(
      mintJob(
        keys(),
        'deploy-production',
        '--project',
        'acme/widget',
        '--ref',
        'main',
        '--claim',
        'project_id=4242',
      ),
    )
    expect(minted.code).toBe(0)
    const lines = minted.stdout.trim().split('\n')
    expect(lines.map((line) => line.split('=')[0])).toEqual(['DEPLOY_TOKEN', 'DEPLOY_EU_TOKEN'])
    const tokens: Record<string, string> = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    )
    const policy = join(ROOT, 'examples/fastify-api/policy.yaml')
    const env = { GITLAB_ID_TOKEN_ISSUER: issuer }
    const [deploy, eu, crossed] = await Promise.all([
      cli(
        [
          'verify',
          '--json',
          '--audience',
          'https://deploy.acme.example',
          '--policy',
          policy,
          '--require',
          'deploy:production',
        ],
        { stdin: tokens.DEPLOY_TOKEN ?? '', env },
      ),
      cli(
        ['verify', '--json', '--audience', 'https://deploy-eu.acme.example', '--policy', policy],
        { stdin: tokens.DEPLOY_EU_TOKEN ?? '', env },
      ),
      cli(['verify', '--json', '--audience', 'https://deploy.acme.example'], {
        stdin: tokens.DEPLOY_EU_TOKEN ?? '',
        env,
      }),
    ])
    expect([deploy.code, deploy.json().grants, deploy.json().claims.project_path]).toEqual([
      0,
      ['deploy:production'],
      'acme/widget',
    ])
    expect(deploy.json().issuer).toBe(issuer)
    expect(eu.code).toBe(0)
    // --var sets a CI/CD variable that an id_tokens: aud expands, over the file's variables:.
    const ci = join(dir, 'vars.gitlab-ci.yml')
    await writeFile(
      ci,
      'variables: { SERVICE_URL: https://file.example }\njob:\n  id_tokens: { ID_TOKEN: { aud: $SERVICE_URL } }\n  script: [true]\n',
    )
    const audOf = async (args: string[]) => {
      const minted = await cli(['mint', '--keys', keys(), '--ci', ci, '--job', 'job', ...args])
      const token = minted.stdout.trim().slice('ID_TOKEN='.length)
      return (await cli(['inspect', '--json'], { stdin: token })).json().claims.aud as unknown
    }
    expect(await audOf([])).toBe('https://file.example')
    expect(await audOf(['--var', 'SERVICE_URL=https://var.example'])).toBe('https://var.example')
    expect([crossed.code, crossed.json().code]).toEqual([1, 'ERR_AUDIENCE_MISMATCH'])
  })

  it('mints JSON and one-off tokens from --claim, and refuses a key file it did not write', async () => {
    const [json, oneOff, notMock] = await Promise.all([
      cli(mintJob(keys(), 'deploy-staging', '--format', 'json')),
      cli([
        'mint',
        '--keys',
        keys(),
        '--claim',
        'project_path=acme/api',
        '--claim',
        'runner_id:=7',
        '--name',
        'TOKEN',
      ]),
      cli(['mint', '--keys', join(ROOT, 'package.json'), '--claim', 'a=b']),
    ])
    expect(json.json()).toMatchObject({
      version: 1,
      command: 'mint',
      issuer,
      tokens: { DEPLOY_TOKEN: expect.any(String) },
    })
    expect(oneOff.stdout).toMatch(/^TOKEN=ey/)
    const inspected = await cli(['inspect', '--json'], {
      stdin: oneOff.stdout.trim().slice('TOKEN='.length),
    })
    expect(inspected.json().claims).toMatchObject({
      project_path: 'acme/api',
      runner_id: 7,
      iss: issuer,
    })
    expect([notMock.code, notMock.stderr]).toEqual([
      4,
      expect.stringContaining('not a keys file written by gitlab-id-token mock-issuer'),
    ])
    expect(JSON.parse(await readFile(keys(), 'utf8'))).toMatchObject({
      kind: 'gitlab-id-token-mock-keys',
      issuer,
    })
  })
})
