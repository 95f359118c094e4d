/**
 * Gateway benchmark (issue 13 "Performance"): checks/s, p50/p99 and CPU µs per check of the
 * gateway alone with distinct and repeated tokens, against a bare `node:http` 200 of the same size
 * in the same process and run; and nginx → gateway → upstream against nginx → upstream without
 * auth. Goals: a repeated-token check costs ≤ 2× the bare answer (ratio ≥ 0.5), and nginx with
 * auth keeps ≥ 0.5× its own throughput without auth.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { createMockGitlab } from '@gitlab-id-token/testing'

export interface GatewayBenchOptions {
  /** Seconds per load. Default 3. */
  readonly seconds?: number
  /** Concurrent connections. Default 32. */
  readonly connections?: number
  /** Distinct tokens cycled in the distinct-token load. Default 2000. */
  readonly poolSize?: number
  /** Progress lines (stderr in `pnpm bench`). Default: none. */
  readonly log?: (line: string) => void
}

export interface GatewayBenchRow {
  readonly variant: string
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** CPU time of the gateway process per answered request (gateway-alone rows only). */
  readonly cpuUsPerRequest?: number
  readonly non2xx: number
}

export interface GatewayBenchResult {
  readonly rows: readonly GatewayBenchRow[]
  /** Repeated-token checks/s ÷ bare node:http 200/s (goal ≥ 0.5). */
  readonly repeatedVsBare: number
  /** nginx → gateway → upstream ÷ nginx → upstream, repeated token (goal ≥ 0.5); NaN without nginx. */
  readonly nginxAuthVsPlain: number
  readonly nginx: boolean
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const AUDIENCE = 'https://bench.gateway.example'
const HOST = 'bench.gateway.example'

interface Child {
  readonly process: ChildProcess
  readonly checkPort: number
  readonly barePort: number
  readonly upstreamPort: number
  cpu(): Promise<number>
}

async function startChild(document: object, allowHeaders: Record<string, string>): Promise<Child> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./gateway-child.ts', import.meta.url)),
      JSON.stringify(document),
      JSON.stringify(allowHeaders),
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  )
  const [ports] = (await once(child, 'message')) as [
    { checkPort: number; barePort: number; upstreamPort: number },
  ]
  return {
    process: child,
    ...ports,
    async cpu() {
      child.send('cpu')
      const [answer] = (await once(child, 'message')) as [{ cpu: number }]
      return answer.cpu
    },
  }
}

function load(
  port: number,
  path: string,
  headers: () => Record<string, string>,
  seconds: number,
  connections: number,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: seconds,
        requests: [
          {
            method: 'GET',
            path,
            setupRequest: (req: autocannon.Request) => ({
              ...req,
              headers: { ...req.headers, ...headers() },
            }),
          },
        ],
      },
      (error: unknown, result: autocannon.Result) =>
        error
          ? reject(
              error instanceof Error ? error : new Error('autocannon failed', { cause: error }),
            )
          : resolve(result),
    )
  })
}

function firstAllow(
  port: number,
  headers: Record<string, string>,
): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/check', headers }, (res) => {
      res.resume()
      const out: Record<string, string> = {}
      for (const [name, value] of Object.entries(res.headers))
        if (
          typeof value === 'string' &&
          name !== 'date' &&
          name !== 'connection' &&
          name !== 'keep-alive'
        )
          out[name] = value
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(out)
          : reject(new Error(`bench check answered ${res.statusCode}`)),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

const nginxConfig = (
  port: number,
  upstream: number,
  gateway: number | undefined,
  dir: string,
): string => {
  if (gateway !== undefined) {
    return readFileSync(join(ROOT, 'examples/gateway/nginx.conf'), 'utf8')
      .replaceAll('127.0.0.1:8080', `127.0.0.1:${gateway}`)
      .replaceAll('127.0.0.1:3000', `127.0.0.1:${upstream}`)
      .replaceAll('127.0.0.1:8000', `127.0.0.1:${port}`)
  }
  return `daemon off;\nworker_processes 1;\npid nginx.pid;\nerror_log ${join(dir, 'error.log')} warn;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;\n  upstream app { server 127.0.0.1:${upstream}; keepalive 16; }\n  server { listen 127.0.0.1:${port}; location / { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Authorization ""; proxy_pass http://app; } }\n}\n`
}

async function startNginx(dir: string, conf: string, port: number): Promise<ChildProcess> {
  mkdirSync(join(dir, 'tmp'), { recursive: true })
  const file = join(dir, `nginx-${port}.conf`)
  writeFileSync(file, conf)
  const args = [
    '-p',
    dir,
    '-c',
    file,
    '-e',
    join(dir, 'error.log'),
    ...(process.getuid?.() === 0 ? ['-g', 'user root;'] : []),
  ]
  const child = spawn('nginx', args, { stdio: 'ignore' })
  for (let i = 0; i < 50; i += 1) {
    const open = await new Promise<boolean>((resolve) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/' },
        (res) => (res.resume(), resolve(true)),
      )
      req.on('error', () => resolve(false))
      req.end()
    })
    if (open) return child
    await new Promise((r) => setTimeout(r, 100))
  }
  child.kill('SIGKILL')
  throw new Error('nginx did not start')
}

/**
 * Runs every variant and returns the table. Starts and stops its own mock GitLab, gateway child
 * and (when installed) nginx.
 *
 * @example
 * ```ts
 * const result = await runGatewayBench({ log: (line) => console.error(line) })
 * console.log(renderGatewayBenchMarkdown(result))
 * ```
 */
export async function runGatewayBench(
  options: GatewayBenchOptions = {},
): Promise<GatewayBenchResult> {
  const seconds = options.seconds ?? 3
  const connections = options.connections ?? 32
  const log = options.log ?? (() => {})
  const gitlab = await createMockGitlab()
  const dir = mkdtempSync(join(tmpdir(), 'gitlab-gw-bench-'))
  const document = {
    profile: 'nginx',
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    issuer: gitlab.issuer,
    routes: [
      {
        name: 'bench',
        match: { host: HOST, path: '/' },
        audience: AUDIENCE,
        policy: { allow: [{ name: 'bench', match: { project_id: '4242' }, grants: ['read'] }] },
      },
    ],
  }
  const pool = Array.from({ length: options.poolSize ?? 2000 }, () =>
    gitlab.mint({ aud: AUDIENCE, project_id: '4242' }),
  )
  const single = gitlab.mint({ aud: AUDIENCE, project_id: '4242' })
  const original = {
    'x-original-method': 'GET',
    'x-original-host': HOST,
    'x-original-uri': '/bench',
  }
  const rows: GatewayBenchRow[] = []
  let child: Child | undefined
  const nginxes: ChildProcess[] = []
  try {
    // A first child only to learn the allow answer's exact headers for the bare server.
    const probe = await startChild(document, {})
    const allowHeaders = await firstAllow(probe.checkPort, {
      ...original,
      authorization: `Bearer ${single}`,
    })
    probe.process.send('stop')
    await once(probe.process, 'exit')
    child = await startChild(document, allowHeaders)
    const measured = child
    let next = 0
    const run = async (
      variant: string,
      port: number,
      path: string,
      headers: () => Record<string, string>,
      cpu: boolean,
    ) => {
      await load(port, path, headers, 1, connections) // warm-up
      const before = cpu ? await measured.cpu() : 0
      const result = await load(port, path, headers, seconds, connections)
      const used = cpu ? (await measured.cpu()) - before : 0
      const answered = result['2xx'] + result.non2xx
      rows.push({
        variant,
        rps: result['2xx'] / result.duration,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
        ...(cpu && answered > 0 ? { cpuUsPerRequest: used / answered } : {}),
      })
      log(`gateway bench: ${variant}: ${Math.round(result['2xx'] / result.duration)}/s`)
    }
    await run('bare node:http 200 (same headers)', child.barePort, '/check', () => ({}), true)
    await run(
      'gateway check, repeated token',
      child.checkPort,
      '/check',
      () => ({ ...original, authorization: `Bearer ${single}` }),
      true,
    )
    await run(
      'gateway check, distinct tokens',
      child.checkPort,
      '/check',
      () => ({ ...original, authorization: `Bearer ${pool[next++ % pool.length] as string}` }),
      true,
    )
    const nginx = spawnSync('nginx', ['-v']).status === 0
    if (nginx) {
      const plainPort = 20000 + Math.floor(Math.random() * 20000)
      const authPort = plainPort + 1
      nginxes.push(
        await startNginx(
          join(dir, 'plain'),
          nginxConfig(plainPort, child.upstreamPort, undefined, join(dir, 'plain')),
          plainPort,
        ),
      )
      nginxes.push(
        await startNginx(
          join(dir, 'auth'),
          nginxConfig(authPort, child.upstreamPort, child.checkPort, join(dir, 'auth')),
          authPort,
        ),
      )
      await run('nginx → upstream (no auth)', plainPort, '/bench', () => ({ host: HOST }), false)
      await run(
        'nginx → gateway → upstream, repeated token',
        authPort,
        '/bench',
        () => ({ host: HOST, authorization: `Bearer ${single}` }),
        false,
      )
    } else log('gateway bench: nginx not installed; skipping the proxy rows')
    const rps = (variant: string) => rows.find((r) => r.variant === variant)?.rps ?? Number.NaN
    return {
      rows,
      repeatedVsBare:
        rps('gateway check, repeated token') / rps('bare node:http 200 (same headers)'),
      nginxAuthVsPlain:
        rps('nginx → gateway → upstream, repeated token') / rps('nginx → upstream (no auth)'),
      nginx,
    }
  } finally {
    for (const n of nginxes) n.kill('SIGTERM')
    child?.process.send('stop')
    if (child !== undefined) await once(child.process, 'exit')
    await gitlab.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const fmt = (x: number | undefined, digits = 0): string =>
  x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits)

/**
 * The result as a markdown table with the two goal ratios.
 *
 * @example
 * ```ts
 * console.log(renderGatewayBenchMarkdown(await runGatewayBench()))
 * ```
 */
export function renderGatewayBenchMarkdown(result: GatewayBenchResult): string {
  const lines = [
    '| variant | req/s | p50 ms | p99 ms | CPU µs/req | non-2xx |',
    '|---|---:|---:|---:|---:|---:|',
    ...result.rows.map(
      (r) =>
        `| ${r.variant} | ${fmt(r.rps)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.cpuUsPerRequest, 1)} | ${r.non2xx} |`,
    ),
    '',
    `- repeated-token check ÷ bare node:http 200: **${fmt(result.repeatedVsBare, 2)}** (goal ≥ 0.50, i.e. a check costs ≤ 2× the bare answer)`,
    `- nginx with auth ÷ nginx without: **${fmt(result.nginxAuthVsPlain, 2)}** (goal ≥ 0.50)${result.nginx ? '' : ' — nginx not installed'}`,
  ]
  return lines.join('\n')
}
