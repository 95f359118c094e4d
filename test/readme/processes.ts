/**
 * Runs a quick start the way its README says: `npx tsx server.ts` becomes `node --import tsx` on
 * the written file (with the repository's tsconfig, so `@gitlab-id-token/*` are the workspace
 * sources), and shell blocks run in bash with `npx gitlab-id-token…` pointing at the sources too.
 */

import { spawn, type ChildProcess } from 'node:child_process'
import { connect, createServer } from 'node:net'
import { join } from 'node:path'
import { ROOT } from './quick-start.js'

const TSX = import.meta.resolve('tsx')
const TSCONFIG = join(ROOT, 'tsconfig.json')

/** `process.env` without any GITLAB_ID_TOKEN_* of the machine, plus `extra`. */
export function cleanEnv(extra: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('GITLAB_ID_TOKEN_')) env[name] = value
  }
  return { ...env, TSX_TSCONFIG_PATH: TSCONFIG, NO_COLOR: '1', ...extra }
}

/** A loopback port that is free now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export interface Service {
  readonly output: () => string
  stop(): Promise<void>
}

/** Starts `node --import tsx <file>` in `cwd` and resolves once `port` accepts connections. */
export async function startTs(
  cwd: string,
  file: string,
  env: Readonly<Record<string, string>>,
  port: number,
): Promise<Service> {
  return startProcess(process.execPath, ['--import', TSX, file], cwd, env, port)
}

/** Starts a command and resolves once `port` accepts connections (or fails with its output). */
export async function startProcess(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>>,
  port: number,
): Promise<Service> {
  const child = spawn(command, args, { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const service = { output: () => output, stop: () => stop(child) }
  const deadline = Date.now() + 20_000
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await service.stop()
      throw new Error(`${args.join(' ')} did not listen on ${port}:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return service
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  return exited.finally(() => clearTimeout(timer))
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export interface ShellRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs shell `commands` with bash `-e`, where `npx gitlab-id-token…` and
 * `npx gitlab-id-token-gateway` are the CLIs' sources run by tsx.
 */
export function runShell(
  commands: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>>,
): Promise<ShellRun> {
  const node = `${JSON.stringify(process.execPath)} --import ${JSON.stringify(TSX)}`
  const prelude = [
    'set -eo pipefail',
    `gitlab-id-token() { ${node} ${JSON.stringify(join(ROOT, 'packages/cli/src/bin.ts'))} "$@"; }`,
    `gitlab-id-token-gateway() { ${node} ${JSON.stringify(join(ROOT, 'packages/gateway/src/bin.ts'))} "$@"; }`,
    'npx() { "$@"; }',
  ]
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', [...prelude, ...commands].join('\n')], {
      cwd,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}
