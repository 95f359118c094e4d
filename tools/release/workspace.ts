/**
 * The publishable packages of this workspace, read from their manifests.
 *
 * @module
 */

import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** One package that `pnpm -r publish` publishes. */
export interface PackageInfo {
  readonly name: string
  readonly version: string
  readonly dir: string
  /** What `pnpm pack` names its tarball: `@scope/name` → `scope-name-1.2.3.tgz`. */
  readonly tarballName: string
  readonly bins: readonly string[]
  readonly manifest: Readonly<Record<string, unknown>>
}

/** Every non-private package under `packages/`, in directory order. */
export function publishablePackages(): PackageInfo[] {
  const result: PackageInfo[] = []
  for (const entry of readdirSync(join(ROOT, 'packages')).sort()) {
    const dir = join(ROOT, 'packages', entry)
    let manifest: Record<string, unknown>
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<
        string,
        unknown
      >
    } catch {
      continue
    }
    if (manifest.private === true) continue
    const name = String(manifest.name)
    const version = String(manifest.version)
    const bin = manifest.bin
    const bins =
      typeof bin === 'string' ? [bin] : Object.values((bin ?? {}) as Record<string, string>)
    const tarballName = `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`
    result.push({ name, version, dir, tarballName, bins, manifest })
  }
  return result
}
