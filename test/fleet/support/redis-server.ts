/**
 * Real redis-server processes for the fleet suites: a random loopback port, no persistence, a
 * temporary directory, killed when the suite ends. Fails loudly when the binary is missing.
 */

import { execFileSync, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** SIGSTOP: the socket stays open and nothing answers (a hung server). */
  pause(): void
  /** SIGCONT. */
  resume(): void
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>
  /** Starts a fresh, empty server on the same port (after {@link kill}). */
  restart(): Promise<void>
  /** Kills the server and removes its directory. */
  close(): Promise<void>
}

/** Throws a clear error when redis-server (Debian package `redis-server`) is not installed. */
export function requireRedisBinaries(): void {
  for (const binary of ['redis-server', 'redis-cli']) {
    try {
      execFileSync(binary, ['--version'], { stdio: 'ignore' })
    } catch {
      throw new Error(
        `${binary} not found: the fleet suites need a real Redis (apt-get install redis-server redis-tools)`,
      )
    }
  }
}

/** A port that is free now, with its cluster-bus port (+10000) free as well. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 30_000)
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port
  }
  throw new Error('no free loopback port found')
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** Resolves once the server answers PING. */
export async function waitForPing(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      const done = (ok: boolean): void => {
        socket.destroy()
        resolve(ok)
      }
      socket.setTimeout(200, () => done(false))
      socket.once('error', () => done(false))
      socket.once('connect', () => socket.write('PING\r\n'))
      socket.once('data', (data) => done(data.toString().startsWith('+PONG')))
    })
    if (answered) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`)
}

export interface StartOptions {
  /** Extra redis-server arguments, e.g. `['--cluster-enabled', 'yes']`. */
  readonly args?: readonly string[]
  readonly port?: number
}

/** Starts redis-server on 127.0.0.1 with `--save '' --appendonly no` in a temporary directory. */
export async function startRedisServer(options: StartOptions = {}): Promise<RedisServer> {
  requireRedisBinaries()
  const dir = mkdtempSync(join(tmpdir(), 'gitlab-id-token-redis-'))
  const port = options.port ?? (await freePort())
  let child: ChildProcess | undefined

  const launch = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
    args.push('--dir', dir, '--daemonize', 'no', '--loglevel', 'warning', ...(options.args ?? []))
    const started = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child = started
    try {
      await waitForPing(port)
    } catch (error) {
      started.kill('SIGKILL')
      throw new Error(`redis-server failed to start: ${stderr}`, { cause: error })
    }
  }
  const kill = async (): Promise<void> => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGCONT')
    running.kill('SIGKILL')
    await exited
  }

  await launch()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    kill,
    restart: async () => {
      await kill()
      await launch()
    },
    close: async () => {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface RedisCluster {
  readonly nodes: readonly RedisServer[]
  /** `{ url }` of every master, for node-redis `createCluster({ rootNodes })`. */
  readonly rootNodes: readonly { readonly url: string }[]
  close(): Promise<void>
}

/** Three masters on loopback joined with `redis-cli --cluster create --cluster-yes`. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const nodes: RedisServer[] = []
  try {
    for (let i = 0; i < 3; i += 1) {
      nodes.push(
        await startRedisServer({
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`],
        }),
      )
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`)
    execFileSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-yes'], {
      stdio: 'pipe',
      timeout: 15_000,
    })
    await waitForClusterOk(nodes[0]!.port)
  } catch (error) {
    await Promise.all(nodes.map((node) => node.close()))
    throw error
  }
  return {
    nodes,
    rootNodes: nodes.map((node) => ({ url: node.url })),
    close: async () => {
      await Promise.all(nodes.map((node) => node.close()))
    },
  }
}

async function waitForClusterOk(port: number): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const info = execFileSync('redis-cli', ['-p', String(port), 'cluster', 'info'], {
      encoding: 'utf8',
    })
    if (info.includes('cluster_state:ok')) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('Redis Cluster did not reach cluster_state:ok')
}
