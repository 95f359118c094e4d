/**
 * The "fresh machine" check for users: installs the packed tarballs with plain npm into new
 * projects outside the workspace and runs what a user would — ESM import, CommonJS `require()`,
 * `tsc --strict` under `module: nodenext` (ESM and CommonJS) and `moduleResolution: bundler`, and
 * Express 4 with `@types/express@4` — each adapter answering a real request.
 *
 * @module
 */

import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './workspace.js'

const FIXTURES = join(ROOT, 'tools', 'release', 'smoke')

// Pinned so the check is repeatable; the minimum TypeScript the READMEs state is the one here.
const TYPESCRIPT = 'typescript@5.8.3'
const RUNTIME = [
  'express@5',
  'fastify@5',
  'koa@3',
  '@types/node@20',
  '@types/express@5',
  '@types/koa@3',
]

function sh(command: string, argv: readonly string[], cwd: string): void {
  execFileSync(command, argv, { cwd, stdio: ['ignore', 'inherit', 'inherit'] })
}

function project(manifest: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gitlab-id-token-smoke-'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, ...manifest }, null, 2))
  return dir
}

// skipLibCheck as `tsc --init` writes it: a user's build never type-checks third-party `.d.ts`
// (today's @types/koa does not compile against the newest content-disposition). Our own shipped
// declarations are checked by attw, and every type this file uses must still resolve.
function tsconfig(dir: string, compilerOptions: Record<string, unknown>, files: string[]): void {
  const strict = { strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }
  const body = { compilerOptions: { ...strict, ...compilerOptions }, files }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(body, null, 2))
}

function typecheck(
  dir: string,
  file: string,
  options: Record<string, unknown>,
  label: string,
): void {
  copyFileSync(join(FIXTURES, 'check.ts'), join(dir, file))
  tsconfig(dir, options, [file])
  sh('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], dir)
  process.stdout.write(`ok  tsc --strict ${label}\n`)
}

/**
 * Runs every smoke check against `tarballs`; throws (non-zero exit) on the first failure.
 *
 * @example
 * ```ts
 * await runSmokeTests(['/tmp/pack/gitlab-id-token-core-0.1.0.tgz', …])
 * ```
 */
export async function runSmokeTests(tarballs: readonly string[]): Promise<void> {
  const npmInstall = ['install', '--no-audit', '--no-fund', '--loglevel=error']
  const esm = project({ type: 'module' })
  try {
    sh('npm', [...npmInstall, ...tarballs, ...RUNTIME, TYPESCRIPT], esm)
    copyFileSync(join(FIXTURES, 'esm.mjs'), join(esm, 'esm.mjs'))
    copyFileSync(join(FIXTURES, 'cjs.cjs'), join(esm, 'cjs.cjs'))
    sh('node', ['esm.mjs'], esm)
    sh('node', ['cjs.cjs'], esm)
    // The bins as npm links them: shebang, execute bit and lazily imported commands in dist.
    sh('npx', ['--no-install', 'gitlab-id-token', '--help'], esm)
    sh('npx', ['--no-install', 'gitlab-id-token-gateway', '--help'], esm)
    typecheck(
      esm,
      'check.ts',
      { module: 'nodenext', moduleResolution: 'nodenext' },
      'nodenext (ESM)',
    )
    typecheck(
      esm,
      'check.cts',
      { module: 'nodenext', moduleResolution: 'nodenext' },
      'nodenext (CommonJS)',
    )
    typecheck(esm, 'check.mts', { module: 'esnext', moduleResolution: 'bundler' }, 'bundler')
  } finally {
    rmSync(esm, { recursive: true, force: true })
  }

  const express4 = project({ type: 'module' })
  try {
    const deps = ['express@4', '@types/express@4', '@types/node@20', TYPESCRIPT]
    sh('npm', [...npmInstall, ...tarballs, ...deps], express4)
    copyFileSync(join(FIXTURES, 'express4.mjs'), join(express4, 'express4.mjs'))
    copyFileSync(join(FIXTURES, 'express4.ts'), join(express4, 'express4.ts'))
    // NODE_ENV=test: Express 4's default handler would print each expected 401's stack otherwise.
    execFileSync('node', ['express4.mjs'], {
      cwd: express4,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'test' },
    })
    tsconfig(express4, { module: 'nodenext', moduleResolution: 'nodenext' }, ['express4.ts'])
    sh('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], express4)
    process.stdout.write('ok  tsc --strict express 4 with @types/express@4\n')
  } finally {
    rmSync(express4, { recursive: true, force: true })
  }
}
