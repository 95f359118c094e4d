/**
 * Every package README starts with an install line, the minimum versions and a quick start, and
 * the quick start works as written: its blocks are written to files, its `export` lines become
 * the environment (only the issuer, ports and Redis URL point at this test's servers), and the
 * service, CLI or gateway it starts answers real, signed tokens from the mock GitLab.
 */

import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from './contract/http.js'
import { startRedisServer, type RedisServer } from './fleet/support/redis-server.js'
import {
  importedPackages,
  readQuickStart,
  ROOT,
  writeWorkdir,
  type QuickStart,
  type Workdir,
} from './readme/quick-start.js'
import { freePort, runShell, startProcess, startTs, type Service } from './readme/processes.js'

const PACKAGES = ['core', 'testing', 'express', 'fastify', 'koa', 'gateway', 'redis', 'cli']
// What every quick start's policy and audience promise: project 42 on a protected branch deploys.
const AUDIENCE = 'https://deploy.example.com'
const ALLOWED = { project_path: 'acme/widget', project_id: '42', ref: 'main' }
const OTHER = { project_path: 'mallory/widget', project_id: '666', ref: 'main' }

let gitlab: MockGitlab
const cleanups: (() => Promise<void> | void)[] = []
beforeAll(async () => {
  gitlab = await createMockGitlab({ audience: AUDIENCE })
})
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  await gitlab.close()
})

const mint = (claims: Record<string, string>): string => gitlab.mint({ aud: AUDIENCE, ...claims })
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

function workdir(label: string, files: Readonly<Record<string, string>>): Workdir {
  const work = writeWorkdir(label, files)
  cleanups.push(() => work.remove())
  return work
}

/** The README's `export` lines, evaluated like a shell would (`$(openssl rand -hex 32)`). */
function readmeEnv(
  quickStart: QuickStart,
  overrides: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(quickStart.env)) {
    env[name] = value.includes('$(')
      ? execFileSync('bash', ['-c', `printf %s ${value}`], { encoding: 'utf8' })
      : value
  }
  for (const [name, value] of Object.entries(overrides)) {
    expect(env, `the quick start sets ${name}`).toHaveProperty(name)
    env[name] = value
  }
  return env
}

describe.each(PACKAGES)('packages/%s/README.md', (name) => {
  it('starts with the install line, the minimum versions and a quick start', () => {
    const quickStart = readQuickStart(name)
    const manifest = JSON.parse(
      readFileSync(join(ROOT, 'packages', name, 'package.json'), 'utf8'),
    ) as {
      peerDependencies?: Record<string, string>
      peerDependenciesMeta?: Record<string, { optional?: boolean }>
    }
    const peers = Object.keys(manifest.peerDependencies ?? {}).filter(
      (peer) => manifest.peerDependenciesMeta?.[peer]?.optional !== true,
    )
    expect(quickStart.install.join('\n')).toContain(`@gitlab-id-token/${name}`)
    for (const peer of peers) expect(quickStart.install.join('\n')).toContain(` ${peer}`)
    expect(quickStart.top).toMatch(/Node\.js 20\.19\+/)
    if (name !== 'cli') expect(quickStart.top).toMatch(/TypeScript 5\.8\+[\s\S]*TS1479/)
    // Whatever the quick start imports, the top says to install (outside the code itself).
    const prose = quickStart.blocks
      .filter((block) => block.lang === 'ts')
      .reduce((text, block) => text.replace(block.body, ''), quickStart.top)
    for (const block of quickStart.blocks.filter((b) => b.lang === 'ts')) {
      for (const imported of importedPackages(block.body)) expect(prose).toContain(imported)
    }
  })
})

// The services: `npx tsx server.ts` with policy.yaml and the GITLAB_ID_TOKEN_* exports.
// Each one is a Node process compiling the workspace's TypeScript: concurrent, with room to wait.
const SLOW = { timeout: 60_000 }

describe.concurrent.each(['core', 'express', 'fastify', 'koa'])('the %s quick start', (name) => {
  it('lets project 42 deploy from a protected branch and refuses the rest', SLOW, async () => {
    const quickStart = readQuickStart(name)
    expect(Object.keys(quickStart.files).sort()).toEqual(['policy.yaml', 'server.ts'])
    expect(quickStart.commands).toEqual(['npx tsx server.ts'])
    const port = await freePort()
    const env = readmeEnv(quickStart, { GITLAB_ID_TOKEN_ISSUER: gitlab.issuer })
    expect(env.GITLAB_ID_TOKEN_AUDIENCE).toBe(AUDIENCE)
    const work = workdir(name, quickStart.files)
    const service = await startTs(work.dir, 'server.ts', { ...env, PORT: String(port) }, port)
    cleanups.push(() => service.stop())
    const url = `http://127.0.0.1:${port}/deploy`

    const allowed = await send(url, { method: 'POST', headers: bearer(mint(ALLOWED)) })
    expect({ status: allowed.status, body: allowed.json }, service.output()).toMatchObject({
      status: 200,
      body: { project: 'acme/widget' },
    })
    const denied = await send(url, { method: 'POST', headers: bearer(mint(OTHER)) })
    expect({ status: denied.status, code: denied.json?.code }).toEqual({
      status: 403,
      code: 'ERR_POLICY_DENIED',
    })
    const missing = await send(url, { method: 'POST' })
    expect({
      status: missing.status,
      code: missing.json?.code,
      challenge: missing.headers['www-authenticate'],
    }).toEqual({
      status: 401,
      code: 'ERR_TOKEN_MISSING',
      challenge: expect.stringMatching(/^Bearer /),
    })
  })
})

describe.concurrent('the other quick starts', () => {
  it(
    "type-checks every TypeScript quick start under the repository's strict settings",
    SLOW,
    async () => {
      const files: Record<string, string> = {}
      for (const name of PACKAGES) {
        for (const [file, text] of Object.entries(readQuickStart(name).files)) {
          if (file.endsWith('.ts')) files[`${name}/${file}`] = text
        }
      }
      expect(Object.keys(files).length).toBeGreaterThanOrEqual(6)
      const tsconfig = {
        extends: join(ROOT, 'tsconfig.json'),
        compilerOptions: { noEmit: true, types: ['node'] },
        include: ['*/*.ts'],
      }
      const work = workdir('tsc', {})
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(join(work.dir, dirname(file)), { recursive: true })
        writeFileSync(join(work.dir, file), text)
      }
      writeFileSync(join(work.dir, 'tsconfig.json'), JSON.stringify(tsconfig))
      const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
      const run = await runShell(
        [`${JSON.stringify(process.execPath)} ${JSON.stringify(tsc)} -p tsconfig.json`],
        work.dir,
        {},
      )
      expect(run.stdout + run.stderr).toBe('')
      expect(run.code).toBe(0)
    },
  )

  it('redis: a token is accepted once, through a real redis-server', SLOW, async () => {
    const quickStart = readQuickStart('redis')
    expect(quickStart.commands).toEqual(['npx tsx server.ts'])
    const redis: RedisServer = await startRedisServer()
    cleanups.push(() => redis.close())
    const port = await freePort()
    const env = readmeEnv(quickStart, {
      GITLAB_ID_TOKEN_ISSUER: gitlab.issuer,
      REDIS_URL: redis.url,
    })
    expect(env.JWKS_FLEET_SECRET).toMatch(/^[0-9a-f]{64}$/)
    const work = workdir('redis', quickStart.files)
    const service = await startTs(work.dir, 'server.ts', { ...env, PORT: String(port) }, port)
    cleanups.push(() => service.stop())
    const url = `http://127.0.0.1:${port}/deploy`
    const token = mint(ALLOWED)

    const first = await send(url, { method: 'POST', headers: bearer(token) })
    expect({ status: first.status, body: first.json }, service.output()).toMatchObject({
      status: 200,
      body: { job: expect.stringMatching(/^\d+$/) },
    })
    const again = await send(url, { method: 'POST', headers: bearer(token) })
    expect({ status: again.status, code: again.json?.code }).toEqual({
      status: 401,
      code: 'ERR_TOKEN_REPLAYED',
    })
  })

  it('gateway: the checked config serves /check for the proxy', SLOW, async () => {
    const quickStart = readQuickStart('gateway')
    const [check, start, curl] = quickStart.commands
    expect([check, start]).toEqual([
      'npx gitlab-id-token-gateway --config gateway.yaml --check',
      'npx gitlab-id-token-gateway --config gateway.yaml &',
    ])
    const [checkPort, adminPort] = [await freePort(), await freePort()]
    const config = quickStart.files['gateway.yaml'] ?? ''
    const edited = config
      .replace(/^issuer: \S+/m, `issuer: ${gitlab.issuer}`)
      .replace(/^(listen: \{ host: 127\.0\.0\.1, port: )8080/m, `$1${checkPort}`)
      .replace(/^(admin: \{ host: 127\.0\.0\.1, port: )9090/m, `$1${adminPort}`)
    expect(
      edited.match(new RegExp(`${gitlab.issuer}|${checkPort}|${adminPort}`, 'g')),
    ).toHaveLength(3)
    const work = workdir('gateway', { 'gateway.yaml': edited })

    const checked = await runShell([check!], work.dir, {})
    expect({ code: checked.code, stdout: checked.stdout }, checked.stderr).toEqual({
      code: 0,
      stdout: expect.stringContaining('OK'),
    })
    const bin = join(ROOT, 'packages/gateway/src/bin.ts')
    const tsx = import.meta.resolve('tsx')
    const gateway: Service = await startProcess(
      process.execPath,
      ['--import', tsx, bin, '--config', 'gateway.yaml'],
      work.dir,
      {},
      checkPort,
    )
    cleanups.push(() => gateway.stop())

    const ask = async (token: string) => {
      const run = await runShell(
        [curl!.replace('127.0.0.1:8080', `127.0.0.1:${checkPort}`)],
        work.dir,
        {
          DEPLOY_TOKEN: token,
        },
      )
      expect(run.code, run.stderr).toBe(0)
      return run.stdout
    }
    const allowed = await ask(mint(ALLOWED))
    expect(allowed, gateway.output()).toMatch(/^HTTP\/1\.1 200 /)
    expect(allowed).toMatch(/^x-gitlab-project-id: 42\r$/im)
    expect(allowed).toMatch(/^x-gitlab-grants: deploy\r$/im)
    expect(await ask(mint(OTHER))).toMatch(/^HTTP\/1\.1 403 /)
    expect(await ask('not-a-token')).toMatch(/^HTTP\/1\.1 401 /)
    // Another path matches no route: 403, whatever the token.
    const unrouted = await runShell(
      [
        curl!
          .replace('127.0.0.1:8080', `127.0.0.1:${checkPort}`)
          .replace('URI: /deploy', 'URI: /admin'),
      ],
      work.dir,
      { DEPLOY_TOKEN: mint(ALLOWED) },
    )
    expect(unrouted.stdout).toMatch(/^HTTP\/1\.1 403 /)
  })

  it('cli: lint, test and explain, as written', SLOW, async () => {
    const quickStart = readQuickStart('cli')
    const work = workdir('cli', quickStart.files)
    const env = readmeEnv(quickStart, { GITLAB_ID_TOKEN_ISSUER: gitlab.issuer })
    const allowed = await runShell(quickStart.commands, work.dir, {
      ...env,
      DEPLOY_TOKEN: mint(ALLOWED),
    })
    expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0)
    // The explain line alone, with another project's token: denied by the policy.
    const denied = await runShell(quickStart.commands.slice(-1), work.dir, {
      ...env,
      DEPLOY_TOKEN: mint(OTHER),
    })
    expect(denied.code, denied.stdout + denied.stderr).toBe(2)
    expect(denied.stdout).toContain('project_id')
  })

  it('testing: the test file passes under vitest', SLOW, async () => {
    const quickStart = readQuickStart('testing')
    const file = Object.keys(quickStart.files).find((name) => name.endsWith('.test.ts'))
    expect(file).toBeDefined()
    // The repository's aliases, with the quick start's directory as the only test root.
    const config = [
      `import base from ${JSON.stringify(join(ROOT, 'vitest.config.ts'))}`,
      'export default { ...base, test: { include: ["*.test.ts"], testTimeout: 20000 } }',
    ].join('\n')
    const work = workdir('testing', { ...quickStart.files, 'vitest.config.ts': config })
    const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs')
    const run = await runShell(
      [
        `${JSON.stringify(process.execPath)} ${JSON.stringify(vitest)} run --root . --config vitest.config.ts`,
      ],
      work.dir,
      {},
    )
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/1 passed/)
  })
})
