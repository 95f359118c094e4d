/**
 * Running `gitlab-id-token` in tests, two ways:
 *
 * - `cli()`: in-process, through the exported `run(argv, io)` that `bin.ts` calls, with in-memory
 *   streams. Most cases use it: no process start-up, so the suite stays fast.
 * - `spawnCli()` / `startCli()`: the real executable as a subprocess (exit status, signals, a
 *   TTY). It runs the compiled `dist/bin.js` when every package it loads has a `dist` newer than
 *   its `src` (CI builds first), else `node --import tsx` on the source, so a fresh clone with
 *   only `pnpm install` passes too. `CLI_TEST_RUNNER=tsx|dist` forces one.
 *
 * Every run checks that no token appears on stdout or stderr (except `mint`, whose output is
 * tokens).
 */

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { run, type CliIo } from '@gitlab-id-token/cli'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TSCONFIG = join(ROOT, 'tsconfig.json')
const TSX = import.meta.resolve('tsx')

// The packages the CLI loads at run time, each through its `dist` when run compiled.
const RUNTIME_PACKAGES = ['cli', 'core', 'testing', 'gateway']

function mtimes(dir: string, suffix: string): number[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(suffix))
    .map((name) => statSync(join(dir, name)).mtimeMs)
}

function distIsFresh(): boolean {
  return RUNTIME_PACKAGES.every((name) => {
    const built = mtimes(join(ROOT, 'packages', name, 'dist'), '.js')
    const source = mtimes(join(ROOT, 'packages', name, 'src'), '.ts')
    return built.length > 0 && Math.min(...built) >= Math.max(...source)
  })
}

/** `dist` when fresh (or forced), else `tsx`. */
export const RUNNER: 'dist' | 'tsx' =
  process.env.CLI_TEST_RUNNER === 'tsx' || process.env.CLI_TEST_RUNNER === 'dist'
    ? process.env.CLI_TEST_RUNNER
    : distIsFresh()
      ? 'dist'
      : 'tsx'

/** The compiled executable, as the package's `bin` names it. */
export const DIST_BIN = join(ROOT, 'packages/cli/dist/bin.js')
const SRC_BIN = join(ROOT, 'packages/cli/src/bin.ts')

/** `node` arguments that start the CLI (before its own arguments). */
export const NODE_ARGS: readonly string[] =
  RUNNER === 'dist' ? [DIST_BIN] : ['--import', TSX, SRC_BIN]

/** The shell command line that runs the CLI (for tmux). */
export const CLI_COMMAND = `TSX_TSCONFIG_PATH=${TSCONFIG} ${[process.execPath, ...NODE_ARGS].join(' ')}`

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** stdout parsed as the one --json document. */
  json(): Record<string, any>
}

export interface CliOptions {
  readonly stdin?: string
  readonly env?: Record<string, string | undefined>
  readonly cwd?: string
  /** In-process only: which streams claim to be a terminal. */
  readonly tty?: { readonly stdin?: boolean; readonly stdout?: boolean; readonly stderr?: boolean }
  /** Subprocess only: kill after this many ms. */
  readonly timeoutMs?: number
}

/** The environment a subprocess starts from: no colour settings, no gitlab-id-token defaults. */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG }
  for (const name of Object.keys(env)) {
    if (name.startsWith('GITLAB_ID_TOKEN_') || name === 'FORCE_COLOR' || name === 'NO_COLOR') {
      delete env[name]
    }
  }
  Object.assign(env, extra)
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >
}

// A compact JWS: base64url JSON header (`eyJ`), payload, signature.
const JWS = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}/

/**
 * Throws when a run printed a token: any compact JWS, or the signature of a token it was given.
 *
 * @example
 * ```ts
 * assertNoToken(run, [token])
 * ```
 */
export function assertNoToken(result: CliRun, given: readonly (string | undefined)[] = []): void {
  const printed = `${result.stdout}\n${result.stderr}`
  const signatures = given
    .map((value) => /^(?:Bearer\s+)?[\w-]+\.[\w-]+\.([\w-]{16,})$/i.exec(value?.trim() ?? '')?.[1])
    .filter((signature): signature is string => signature !== undefined)
  const leaked =
    JWS.exec(printed)?.[0] ?? signatures.find((signature) => printed.includes(signature))
  if (leaked !== undefined) throw new Error(`a token appears in the output (…${leaked.slice(-12)})`)
}

function finish(args: readonly string[], options: CliOptions, result: CliRun): CliRun {
  if (args[0] !== 'mint') {
    assertNoToken(result, [options.stdin, ...args, ...Object.values(options.env ?? {})])
  }
  return result
}

const toRun = (code: number | null, stdout: string, stderr: string): CliRun => ({
  code,
  stdout,
  stderr,
  json: () => JSON.parse(stdout) as Record<string, any>,
})

/**
 * Runs the CLI in-process, exactly as `bin.ts` does but with in-memory streams.
 *
 * @example
 * ```ts
 * const run = await cli(['inspect', '-'], { stdin: token })
 * expect(run.code).toBe(0)
 * ```
 */
export async function cli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const tty = options.tty ?? {}
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk), isTTY: tty.stdout === true },
    stderr: { write: (chunk: string) => (stderr += chunk), isTTY: tty.stderr === true },
    stdin: Object.assign(Readable.from([options.stdin ?? '']), { isTTY: tty.stdin === true }),
    env: { ...options.env },
    cwd: options.cwd ?? ROOT,
    untilStopped: () => Promise.resolve(),
  }
  const code = await run(args, io)
  return finish(args, options, toRun(code, stdout, stderr))
}

// Each subprocess may compile TypeScript: more at once than there are cores only queues.
const SLOTS = Math.max(2, availableParallelism())
let running = 0
const waiting: (() => void)[] = []
async function slot<T>(task: () => Promise<T>): Promise<T> {
  if (running >= SLOTS) await new Promise<void>((resolve) => waiting.push(resolve))
  running++
  try {
    return await task()
  } finally {
    running--
    waiting.shift()?.()
  }
}

/**
 * Starts the real executable (long-running commands: read its streams, then kill it).
 *
 * @example
 * ```ts
 * const child = startCli(['mock-issuer'])
 * ```
 */
export function startCli(args: readonly string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: options.cwd ?? ROOT,
    env: baseEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}

/**
 * Runs the real executable as a subprocess and resolves when it exits.
 *
 * @example
 * ```ts
 * const run = await spawnCli(['verify', '-', '--audience', aud], { stdin: token })
 * expect(run.code).toBe(2)
 * ```
 */
export function spawnCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return slot(
    () =>
      new Promise<CliRun>((resolve, reject) => {
        const child = startCli(args, options)
        let stdout = ''
        let stderr = ''
        child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
        child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
        const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
        child.on('error', reject)
        child.on('close', (code) => {
          clearTimeout(timer)
          resolve(finish(args, options, toRun(code, stdout, stderr)))
        })
        child.stdin!.end(options.stdin ?? '')
      }),
  )
}

/** Replaces what changes between runs (fingerprints, kids, ports, jtis) with placeholders. */
export function stable(text: string, replacements: Record<string, string> = {}): string {
  let out = text
  for (const [value, placeholder] of Object.entries(replacements))
    out = out.split(value).join(placeholder)
  return out.replace(/sha256:[0-9a-f]{16}/g, 'sha256:<fingerprint>')
}
