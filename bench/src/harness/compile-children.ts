/**
 * Compiles bench/src to plain JavaScript in results/tmp-build (git-ignored) so that every child
 * process runs under plain `node`: no TypeScript loader thread in the measured processes, and
 * ~0.5 s less start-up per child. Each file is transformed on its own (type syntax erased), which
 * is all `verbatimModuleSyntax` code needs, by the esbuild that tsx (a bench dependency) ships.
 */

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

interface Esbuild {
  transformSync(
    code: string,
    options: { loader: 'ts'; format: 'esm'; target: string; sourcefile: string },
  ): { code: string }
}

// bench/src (this file lives in bench/src/harness).
const SRC = fileURLToPath(new URL('..', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

/** Writes `<outDir>/src/**\/*.js`; returns the directory that mirrors bench/src. */
export function compileChildren(outDir: string): string {
  const fromBench = createRequire(import.meta.url)
  const esbuild = createRequire(fromBench.resolve('tsx/package.json'))('esbuild') as Esbuild
  const target = join(outDir, 'src')
  rmSync(outDir, { recursive: true, force: true })
  for (const file of sources(SRC)) {
    const { code } = esbuild.transformSync(readFileSync(file, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: 'node20',
      sourcefile: file,
    })
    const out = join(target, relative(SRC, file)).replace(/\.ts$/, '.js')
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, code)
  }
  return target
}
