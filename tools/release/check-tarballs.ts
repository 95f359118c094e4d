/**
 * Packs every publishable package exactly as `pnpm -r publish` would, then checks each tarball the
 * way a user's machine will see it: its file list, publint, Are The Types Wrong, and (unless
 * `--no-smoke`) an install of all tarballs with plain npm into fresh projects (see `smoke.ts`).
 *
 * Usage: `pnpm release:check [--no-smoke] [--keep]`
 *
 * @module
 */

import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runSmokeTests } from './smoke.js'
import { publishablePackages, ROOT, type PackageInfo } from './workspace.js'

const args = new Set(process.argv.slice(2))
const out = mkdtempSync(join(tmpdir(), 'gitlab-id-token-pack-'))

function run(command: string, argv: readonly string[], cwd = ROOT): string {
  return execFileSync(command, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

function fail(message: string): never {
  process.stderr.write(`release check: ${message}\n`)
  process.exit(1)
}

// `pnpm pack` runs `prepack` (the build) and rewrites `workspace:^` to the real version range,
// exactly as `pnpm publish` does; `npm pack` would ship the `workspace:` protocol verbatim.
function pack(info: PackageInfo): string {
  run('pnpm', ['pack', '--pack-destination', out], info.dir)
  const file = readdirSync(out).find((name) => name === info.tarballName)
  if (file === undefined) fail(`${info.name}: pnpm pack produced no ${info.tarballName}`)
  return join(out, file)
}

function checkContents(info: PackageInfo, tarball: string): void {
  const files = new Set(run('tar', ['-tzf', tarball]).split('\n').filter(Boolean))
  const required = ['package/package.json', 'package/README.md', 'package/LICENSE']
  required.push('package/CHANGELOG.md', 'package/dist/index.js', 'package/dist/index.d.ts')
  for (const name of info.bins) required.push(`package/${name.replace(/^\.\//, '')}`)
  for (const name of required) {
    if (!files.has(name)) fail(`${info.name}: tarball lacks ${name.slice('package/'.length)}`)
  }
  // Source maps must resolve: every map and declaration map names sources that ship with it.
  for (const name of files) {
    if (!name.endsWith('.map')) continue
    const map = JSON.parse(run('tar', ['-xzOf', tarball, name])) as {
      sources: string[]
      sourcesContent?: unknown[]
    }
    for (const source of map.sources) {
      const resolved = join(name, '..', source).replace(/\\/g, '/')
      if (!files.has(resolved) && map.sourcesContent === undefined) {
        fail(`${info.name}: ${name} points at ${source}, which is not in the tarball`)
      }
    }
  }
  const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'])) as Record<
    string,
    Record<string, string> | undefined
  >
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (range.startsWith('workspace:')) fail(`${info.name}: ${field}.${dep} is ${range}`)
    }
  }
}

const packages = publishablePackages()
const tarballs: string[] = []
for (const info of packages) {
  const tarball = pack(info)
  checkContents(info, tarball)
  run('pnpm', ['exec', 'publint', 'run', tarball, '--strict'])
  // ESM-only by design (README: Node 20.19+ loads it from CommonJS through require(esm)), so the
  // esm-only profile: it still fails on missing or wrong types for every ESM resolution mode.
  run('pnpm', ['exec', 'attw', tarball, '--profile', 'esm-only', '--format', 'ascii'])
  const size = readFileSync(tarball).length
  process.stdout.write(`ok  ${info.name}  ${(size / 1024).toFixed(1)} KiB  publint, attw\n`)
  tarballs.push(tarball)
}
if (!args.has('--no-smoke')) await runSmokeTests(tarballs)
if (args.has('--keep')) process.stdout.write(`tarballs kept in ${out}\n`)
else rmSync(out, { recursive: true, force: true })
