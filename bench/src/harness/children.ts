/**
 * Child processes of the benchmark: every measured server and in-process case runs in its own
 * process (its own heap and JIT state), and every child is killed when the parent exits, however
 * it exits.
 */

import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findBenchDir(): string {
  for (
    let dir = dirname(fileURLToPath(import.meta.url));
    dir !== dirname(dir);
    dir = dirname(dir)
  ) {
    const pkg = join(dir, 'package.json')
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === '@gitlab-id-token/bench'
    ) {
      return dir
    }
  }
  throw new Error('bench/package.json not found')
}

/** The bench/ directory (also from the compiled copy in results/tmp-build). */
export const BENCH_DIR = findBenchDir()

let compiledDir: string | undefined

/**
 * Children run the compiled copy under plain `node` once {@link useCompiledChildren} was called,
 * otherwise the TypeScript sources under `tsx`.
 */
export function useCompiledChildren(dir: string): void {
  compiledDir = dir
}

const live = new Set<ChildProcess>()

/** A message from a child: a `type` and any data. */
export interface ChildMessage {
  readonly type: string
  readonly [key: string]: unknown
}

/** The parent's handle on one child process. */
export interface ChildHandle {
  readonly name: string
  readonly pid: number
  send(message: unknown): void
  /** Resolves with the next message of this type; rejects on an `error` message, exit or timeout. */
  waitFor<T extends ChildMessage>(type: string, timeoutMs: number): Promise<T>
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>
}

/** How to start a child. */
export interface ChildOptions {
  readonly name: string
  readonly args?: readonly string[]
  readonly env?: Readonly<Record<string, string>>
  /** Extra node flags, e.g. `--expose-gc`. */
  readonly nodeArgs?: readonly string[]
  /**
   * Run the TypeScript source under tsx even when compiled children are in use: for modules that
   * locate their own helper files next to their source (the gateway bench does).
   */
  readonly source?: boolean
}

/**
 * Forks `bench/src/<script>` (a path relative to bench/src, like `http/servers/server.ts`). The
 * workspace packages resolve to their built dist either way.
 *
 * @example
 * ```ts
 * const child = startChild('verify/worker.ts', { name: 'verify', nodeArgs: ['--expose-gc'] })
 * ```
 */
export function startChild(script: string, options: ChildOptions): ChildHandle {
  const compiled = compiledDir !== undefined && options.source !== true
  const file =
    compiledDir !== undefined && compiled
      ? join(compiledDir, script.replace(/\.ts$/, '.js'))
      : join(BENCH_DIR, 'src', script)
  const child = fork(file, [...(options.args ?? [])], {
    cwd: BENCH_DIR,
    execArgv: [...(compiled ? [] : ['--import', 'tsx']), ...(options.nodeArgs ?? [])],
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  if (child.pid === undefined) throw new Error(`could not start ${options.name}`)
  live.add(child)

  const inbox: ChildMessage[] = []
  const waiters = new Set<() => void>()
  let exited: string | undefined
  child.on('message', (m: ChildMessage) => {
    inbox.push(m)
    for (const w of [...waiters]) w()
  })
  child.on('exit', (code, signal) => {
    live.delete(child)
    exited = `${options.name} exited (code ${String(code)}, signal ${String(signal)})`
    for (const w of [...waiters]) w()
  })

  return {
    name: options.name,
    pid: child.pid,
    send: (message) => {
      child.send(message as never)
    },
    waitFor: <T extends ChildMessage>(type: string, timeoutMs: number) =>
      new Promise<T>((resolve, reject) => {
        const check = (): void => {
          const i = inbox.findIndex((m) => m.type === type || m.type === 'error')
          if (i >= 0) {
            const [m] = inbox.splice(i, 1)
            done()
            if (m?.type === 'error') reject(new Error(`${options.name}: ${String(m.message)}`))
            else resolve(m as T)
          } else if (exited !== undefined) {
            done()
            reject(new Error(exited))
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`${options.name}: no '${type}' within ${timeoutMs} ms`))
        }, timeoutMs)
        const done = (): void => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== undefined) {
          resolve()
          return
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
        child.kill('SIGTERM')
      }),
  }
}

/** Kills every child still running (synchronous, so it also works in an `exit` handler). */
export function killAllChildren(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
  live.clear()
}

let installed = false

/** Makes sure no child outlives the parent: normal exit, signals, and crashes. */
export function installChildCleanup(): void {
  if (installed) return
  installed = true
  process.on('exit', killAllChildren)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAllChildren()
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1))
    })
  }
  process.on('uncaughtException', (err) => {
    console.error('bench: uncaught exception:', err)
    killAllChildren()
    process.exit(1)
  })
  process.on('unhandledRejection', (err) => {
    console.error('bench: unhandled rejection:', err)
    killAllChildren()
    process.exit(1)
  })
}
