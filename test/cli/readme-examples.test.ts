/**
 * The READMEs' example output is real: each example below runs the command it shows (on tokens
 * minted as the README says, against a real mock GitLab) and compares with the README, with what
 * changes from run to run (kid, fingerprint, jti, port, dates, latency) normalised.
 *
 * After an intended change of the output: `CLI_README_UPDATE=1 pnpm exec vitest run
 * test/cli/readme-examples.test.ts` rewrites the blocks from a real run (port shown as 8080, as
 * in the README's walk-through).
 */

import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeMockKeys } from '../../packages/cli/src/keys-file.js'
import { mintJob } from './fixtures/fixed-token.js'
import { cli, ROOT } from './support.js'

const UPDATE = process.env.CLI_README_UPDATE === '1'
const ROOT_README = join(ROOT, 'README.md')
const CLI_README = join(ROOT, 'packages/cli/README.md')
const AUD = 'https://deploy.acme.example'

let gitlab: MockGitlab
let dir: string

// One README example: the `$ ` line as printed, and the arguments that run it in `dir`.
interface Example {
  readonly readme: string
  readonly line: string
  readonly args: readonly string[]
  readonly exit: number
}

const EXAMPLES: readonly Example[] = [
  {
    readme: ROOT_README,
    line: `npx @gitlab-id-token/cli explain @denied.txt --audience ${AUD} --policy examples/fastify-api/policy.yaml`,
    args: [
      'explain',
      '@denied.txt',
      '--audience',
      AUD,
      '--policy',
      'examples/fastify-api/policy.yaml',
    ],
    exit: 2,
  },
  {
    readme: CLI_README,
    line: `gitlab-id-token explain @denied.txt --audience ${AUD} --policy policy.yaml`,
    args: ['explain', '@denied.txt', '--audience', AUD, '--policy', 'policy.yaml'],
    exit: 2,
  },
  {
    readme: CLI_README,
    line: 'gitlab-id-token inspect @token.txt',
    args: ['inspect', '@token.txt'],
    exit: 0,
  },
  {
    readme: CLI_README,
    line: `gitlab-id-token verify @token.txt --audience ${AUD} --policy policy.yaml --require deploy:production`,
    args: [
      'verify',
      '@token.txt',
      '--audience',
      AUD,
      '--policy',
      'policy.yaml',
      '--require',
      'deploy:production',
    ],
    exit: 0,
  },
  {
    readme: CLI_README,
    line: `gitlab-id-token verify @denied.txt --audience ${AUD} --policy policy.yaml --require deploy:production`,
    args: [
      'verify',
      '@denied.txt',
      '--audience',
      AUD,
      '--policy',
      'policy.yaml',
      '--require',
      'deploy:production',
    ],
    exit: 2,
  },
  {
    readme: CLI_README,
    line: 'gitlab-id-token explain @denied.txt --config gateway.yaml --method POST --url https://deploy.acme.example/deploy/production',
    args: [
      'explain',
      '@denied.txt',
      '--config',
      'gateway.yaml',
      '--method',
      'POST',
      '--url',
      `${AUD}/deploy/production`,
    ],
    exit: 2,
  },
  {
    readme: CLI_README,
    line: 'gitlab-id-token explain @denied.txt --config gateway.yaml --method GET --url https://deploy.acme.example/deploy',
    args: [
      'explain',
      '@denied.txt',
      '--config',
      'gateway.yaml',
      '--method',
      'GET',
      '--url',
      `${AUD}/deploy`,
    ],
    exit: 2,
  },
  {
    readme: CLI_README,
    line: 'gitlab-id-token lint gateway.yaml',
    args: ['lint', 'gateway.yaml'],
    exit: 0,
  },
  {
    readme: CLI_README,
    line: 'gitlab-id-token lint policy.yaml',
    args: ['lint', 'policy.yaml'],
    exit: 0,
  },
  {
    readme: CLI_README,
    line: 'gitlab-id-token lint smells.yaml   # test/cli/fixtures/smells.policy.yaml',
    args: ['lint', 'smells.yaml'],
    exit: 1,
  },
]

/** What differs between two real runs of the same example. */
function normalise(text: string): string {
  return text
    .replace(/sha256:[0-9a-f]{16}/g, '<fingerprint>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<jti>')
    .replace(/(?<![\w-])[\w-]{43}(?![\w-])/g, '<kid>')
    .replace(/127\.0\.0\.1:\d+/g, '<host>')
    .replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{3})?Z/g, '<date>')
    .replace(/\((in )?\d+ (s|min|h)( ago)?\)/g, '(<relative>)')
}

// The output lines under `$ line` in `text`, up to the next prompt or the end of the block.
function block(text: string, line: string): { start: number; end: number; lines: string[] } {
  const lines = text.split('\n')
  const at = lines.indexOf(`$ ${line}`)
  if (at === -1) throw new Error(`no "$ ${line}" in the README`)
  let end = at + 1
  while (end < lines.length && !lines[end]!.startsWith('$ ') && !lines[end]!.startsWith('```'))
    end++
  return { start: at + 1, end, lines: lines.slice(at + 1, end) }
}

beforeAll(async () => {
  gitlab = await createMockGitlab()
  dir = await mkdtemp(join(tmpdir(), 'gitlab-id-token-readme-'))
  const keys = { issuer: gitlab.issuer, ciKey: gitlab.ciKey, userKey: gitlab.userKey }
  await writeMockKeys(join(dir, 'mock-keys.json'), keys, dir)
  // examples/gateway's config, its issuer the mock's and its ports free ones.
  const gateway = (await readFile(join(ROOT, 'examples/gateway/gateway.yaml'), 'utf8'))
    .replace(/^issuer: .*$/m, `issuer: ${gitlab.issuer}`)
    .replace(/port: \d+/g, 'port: 0')
  await mkdir(join(dir, 'policies'))
  await Promise.all([
    writeFile(join(dir, 'gateway.yaml'), gateway),
    copyFile(
      join(ROOT, 'examples/gateway/policies/deploy.yaml'),
      join(dir, 'policies/deploy.yaml'),
    ),
    copyFile(join(ROOT, 'examples/fastify-api/policy.yaml'), join(dir, 'policy.yaml')),
    copyFile(join(ROOT, 'test/cli/fixtures/smells.policy.yaml'), join(dir, 'smells.yaml')),
  ])
  // As the README mints them: the deploy-production job of examples/gitlab-ci.yml.
  for (const [file, ref] of [
    ['token.txt', 'main'],
    ['denied.txt', 'fix/typo'],
  ] as const) {
    const minted = await cli(
      mintJob(
        'mock-keys.json',
        'deploy-production',
        '--project',
        'acme/widget',
        '--ref',
        ref,
        '--claim',
        'project_id=4242',
      ),
      { cwd: dir },
    )
    const token = /^DEPLOY_TOKEN=(.+)$/m.exec(minted.stdout)?.[1]
    if (minted.code !== 0 || token === undefined) throw new Error(`mint failed: ${minted.stderr}`)
    await writeFile(join(dir, file), `${token}\n`)
  }
})
afterAll(async () => {
  await Promise.all([gitlab.close(), rm(dir, { recursive: true, force: true })])
})

describe('README examples', () => {
  it.each(
    EXAMPLES.map((e) => [`${e.readme === ROOT_README ? 'README' : 'cli README'}: ${e.line}`, e]),
  )('%s', async (_name, example) => {
    // The root README's command runs in the repository (its policy path is the example's own).
    const cwd = example.readme === ROOT_README ? ROOT : dir
    const args = example.args.map((arg) =>
      arg.startsWith('@') ? `@${join(dir, arg.slice(1))}` : arg,
    )
    const run = await cli(args, { cwd, env: { GITLAB_ID_TOKEN_ISSUER: gitlab.issuer } })
    expect([run.code, run.stderr]).toEqual([example.exit, ''])
    const actual = run.stdout.replace(/\n$/, '').split(gitlab.issuer).join('http://127.0.0.1:8080')
    const text = await readFile(example.readme, 'utf8')
    const shown = block(text, example.line)
    if (UPDATE) {
      const lines = text.split('\n')
      lines.splice(shown.start, shown.end - shown.start, ...actual.split('\n'))
      await writeFile(example.readme, lines.join('\n'))
      return
    }
    expect(normalise(shown.lines.join('\n'))).toBe(normalise(actual))
  })
})
