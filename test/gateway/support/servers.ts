/**
 * Loopback servers for the gateway suites: an echo upstream that records what reached the app, a
 * tap in front of the gateway that records what reached the gateway, proxies started from the
 * shipped example configs, and a raw HTTP client that can send any Host header.
 */

import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const EXAMPLES = fileURLToPath(new URL('../../../examples/gateway/', import.meta.url))

export interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly bodyBytes: number
  readonly bodySha256: string
}

export interface Recorder {
  readonly port: number
  readonly url: string
  readonly requests: Recorded[]
  close(): Promise<void>
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

async function closeServer(server: Server): Promise<void> {
  const closed = once(server, 'close')
  server.close()
  server.closeAllConnections()
  await closed
}

function record(req: IncomingMessage, body: Buffer): Recorded {
  return {
    method: req.method ?? '',
    url: req.url ?? '',
    headers: req.headers,
    bodyBytes: body.length,
    bodySha256: createHash('sha256').update(body).digest('hex'),
  }
}

/** The app: answers 200 `{"app":true}` and records every request it received. */
export async function startEcho(): Promise<Recorder> {
  const requests: Recorded[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      requests.push(record(req, Buffer.concat(chunks)))
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"app":true}')
    })
  })
  const port = await listen(server)
  return { port, url: `http://127.0.0.1:${port}`, requests, close: () => closeServer(server) }
}

/** A pass-through in front of the gateway's check port that records what the gateway received. */
export async function startTap(target: () => number): Promise<Recorder> {
  const requests: Recorded[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      requests.push(record(req, body))
      const upstream = httpRequest(
        {
          host: '127.0.0.1',
          port: target(),
          method: req.method,
          path: req.url,
          headers: req.headers,
          setHost: false,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.rawHeaders)
          answer.pipe(res)
        },
      )
      // The gateway being down must look like it to the proxy: a reset connection, not a 502.
      upstream.on('error', () => res.socket?.destroy())
      upstream.end(body)
    })
  })
  const port = await listen(server)
  return { port, url: `http://127.0.0.1:${port}`, requests, close: () => closeServer(server) }
}

/** A free loopback port (bound and released). */
export async function freePort(): Promise<number> {
  const server = createServer()
  const port = await listen(server)
  await closeServer(server)
  return port
}

export interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** One HTTP exchange without an agent; the body kept as bytes (the emulators forward it). */
export function exchange(options: {
  readonly host?: string
  readonly port: number | string
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string | string[]>
  readonly setHost: boolean
  readonly timeoutMs: number
  readonly body?: Buffer | string | undefined
}): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: options.host ?? '127.0.0.1',
        port: options.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
        setHost: options.setHost,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.setTimeout(options.timeoutMs, () => req.destroy(new Error('request timed out')))
    req.end(options.body)
  })
}

/** Sends one request with exactly these headers (Host included). */
export async function send(
  port: number,
  options: {
    method?: string
    path: string
    headers?: Record<string, string | string[]>
    body?: Buffer | string
  },
): Promise<Answer> {
  const answer = await exchange({
    port,
    method: options.method ?? 'GET',
    path: options.path,
    headers: options.headers ?? {},
    setHost: options.headers?.host === undefined,
    timeoutMs: 10_000,
    body: options.body,
  })
  return { ...answer, body: answer.body.toString('utf8') }
}

/**
 * Where one suite's proxy runs: a free port, its own directory in the environment's, and the
 * example files rendered there with the test's gateway (the tap) and app ports.
 */
export async function prepareProxy(
  env: { readonly dir: string; readonly tap: { port: number }; readonly app: { port: number } },
  name: string,
): Promise<{ port: number; dir: string; render(file: string): string }> {
  const port = await freePort()
  const dir = join(env.dir, name)
  mkdirSync(dir, { recursive: true })
  const ports = { proxy: port, gateway: env.tap.port, app: env.app.port }
  return { port, dir, render: (file) => renderExample(file, dir, ports) }
}

/** Copies an example file into `dir`, with the example's fixed ports replaced by the test's. */
export function renderExample(
  file: string,
  dir: string,
  ports: { proxy: number; gateway: number; app: number },
): string {
  const text = readFileSync(join(EXAMPLES, file), 'utf8')
    .replaceAll('127.0.0.1:8080', `127.0.0.1:${ports.gateway}`)
    .replaceAll('127.0.0.1:3000', `127.0.0.1:${ports.app}`)
    .replaceAll('127.0.0.1:8000', `127.0.0.1:${ports.proxy}`)
    .replaceAll('http://:8000', `http://:${ports.proxy}`)
    .replaceAll('port_value: 8080', `port_value: ${ports.gateway}`)
    .replaceAll('port_value: 3000', `port_value: ${ports.app}`)
    .replaceAll('port_value: 8000', `port_value: ${ports.proxy}`)
  const target = join(dir, file)
  writeFileSync(target, text)
  return target
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => socket.end(() => resolve(true)))
    socket.once('error', () => resolve(false))
  })
}

export interface RunningProcess {
  readonly child: ChildProcess
  output(): string
  stop(): Promise<void>
}

/** Spawns a server and waits (bounded) until `port` accepts connections; fails loudly if not. */
export async function spawnServer(
  command: string,
  args: readonly string[],
  options: { cwd: string; port: number; env?: Record<string, string> },
): Promise<RunningProcess> {
  mkdirSync(options.cwd, { recursive: true })
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()))
  let exited = false
  let spawnError: Error | undefined
  child.once('exit', () => (exited = true))
  child.once('error', (error) => {
    spawnError = error
    exited = true
  })
  for (let i = 0; i < 100; i += 1) {
    if (exited)
      throw new Error(`${command} exited at start: ${spawnError?.message ?? ''}\n${output}`)
    if (await portOpen(options.port)) break
    if (i === 99)
      throw new Error(`${command} did not open port ${options.port} within 10 s\n${output}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    child,
    output: () => output,
    async stop() {
      if (exited) return
      const gone = once(child, 'exit')
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await gone
      clearTimeout(timer)
    },
  }
}
