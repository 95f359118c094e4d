/**
 * Reads a package README's quick start as a newcomer would copy it: the install line, the files
 * (a fenced block whose first line names it, `// server.ts` or `# policy.yaml`), the `export`
 * lines and the commands of the shell blocks.
 */

import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface FencedBlock {
  readonly lang: string
  readonly body: string
}

export interface QuickStart {
  /** The README from its first line to the end of the `## Quick start` section. */
  readonly top: string
  /** Every fenced block of {@link top}, in order. */
  readonly blocks: readonly FencedBlock[]
  /** The `npm install …` lines of the shell blocks. */
  readonly install: readonly string[]
  /** Files named by their block's first line, e.g. `server.ts` → its text. */
  readonly files: Readonly<Record<string, string>>
  /** `export NAME=value` lines of the shell blocks (comments removed, quotes kept verbatim). */
  readonly env: Readonly<Record<string, string>>
  /** The other lines of the shell blocks (comments and `npm install` removed, `\` joined). */
  readonly commands: readonly string[]
}

const FENCE = /^```(\w*)\n([\s\S]*?)^```$/gm
const FILE_NAME = /^(?:\/\/|#) ([\w.-]+\.(?:ts|yaml|yml|json))(?=[\s:]|$)/

/** Parses `packages/<name>/README.md`; throws when it has no `## Quick start` section. */
export function readQuickStart(name: string): QuickStart {
  const text = readFileSync(join(ROOT, 'packages', name, 'README.md'), 'utf8')
  const heading = text.indexOf('\n## Quick start\n')
  if (heading === -1) throw new Error(`packages/${name}/README.md has no "## Quick start" section`)
  const next = text.indexOf('\n## ', heading + 1)
  const top = next === -1 ? text : text.slice(0, next)
  const blocks = [...top.matchAll(FENCE)].map(([, lang = '', body = '']) => ({ lang, body }))
  const files: Record<string, string> = {}
  const env: Record<string, string> = {}
  const install: string[] = []
  const commands: string[] = []
  for (const block of blocks) {
    const named = FILE_NAME.exec(block.body)
    if (named?.[1] !== undefined) files[named[1]] = block.body
    if (block.lang !== 'sh') continue
    for (const line of block.body.replace(/\\\n\s*/g, '').split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim()
      if (command === '' || command.startsWith('#')) continue
      const assignment = /^export (\w+)=(.*)$/.exec(command)
      if (assignment?.[1] !== undefined) env[assignment[1]] = assignment[2] ?? ''
      else if (command.startsWith('npm install')) install.push(command)
      else commands.push(command)
    }
  }
  return { top, blocks, install, files, env, commands }
}

/** The bare module names a TypeScript file imports (`node:` built-ins left out). */
export function importedPackages(source: string): string[] {
  const names = [...source.matchAll(/^import [^'"]*['"]([^'"]+)['"]/gm)].map(([, name]) => name!)
  return names
    .filter((name) => !name.startsWith('node:') && !name.startsWith('.'))
    .map((name) => (name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name))
}

export interface Workdir {
  readonly dir: string
  remove(): void
}

/**
 * Writes `files` into a fresh directory under `test/readme/`, so bare imports resolve from
 * `test/node_modules` as they would from a user's project. The leading dot keeps it out of
 * `tsc -p .` and the vitest globs while it exists.
 */
export function writeWorkdir(label: string, files: Readonly<Record<string, string>>): Workdir {
  removeStaleWorkdirs()
  const dir = join(ROOT, 'test', 'readme', `.tmp-${label}-${process.pid}-${Date.now()}`)
  mkdirSync(dir, { recursive: true })
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

// A run killed before its cleanup leaves its directory behind, where `eslint .` would find it. A
// concurrent run's directories are younger than this.
const STALE_MS = 10 * 60_000

function removeStaleWorkdirs(): void {
  const parent = join(ROOT, 'test', 'readme')
  for (const entry of readdirSync(parent)) {
    const path = join(parent, entry)
    if (entry.startsWith('.tmp-') && Date.now() - statSync(path).mtimeMs > STALE_MS) {
      rmSync(path, { recursive: true, force: true })
    }
  }
}
