/**
 * Contract emulators for the two proxies Debian does not ship (research note finding 12). Each
 * re-implements only the documented forward-auth handling, reading its settings from the shipped
 * example file, and cites the source it follows (research note §1.1, §1.2):
 *
 * - Traefik ForwardAuth: traefik/traefik `pkg/middlewares/auth/forward.go` (@bd22897):
 *   `ServeHTTP` (GET to `address` with the client's headers, `writeHeader` rebuilding
 *   X-Forwarded-Method/Proto/Host/Uri/For when `trustForwardHeader` is false, and passing
 *   X-Forwarded-Prefix and Forwarded through untouched — CVE-2026-35051, PR #12657); a non-2xx
 *   answer copied to the client with status, headers and body; an unreachable service → 500; on
 *   2xx each `authResponseHeaders` name deleted from the request, then copied from the answer;
 *   then every request header whose Go canonical name matches `authResponseHeadersRegex` deleted,
 *   and the answer's matching headers copied.
 * - Envoy HTTP ext_authz: envoyproxy/envoy `ext_authz_http_impl.cc` (@9c276e34):
 *   `toRequestMatchers` (the check keeps method and path, `path_prefix` in front, and carries only
 *   Host, Authorization, Content-Length: 0 and `allowed_headers`); `toResponse` (exactly 200 is
 *   OK; another status below 500 is a denial sent with its body and the `allowed_client_headers`
 *   — plus WWW-Authenticate, Location, Content-Length, per `toClientMatchers`; a 5xx or a failed
 *   call is an error answered with `status_on_error`); on OK, `allowed_upstream_headers` override
 *   the request's and `x-envoy-auth-headers-to-remove` names are removed. A
 *   `envoy.filters.http.header_mutation` filter listed before ext_authz applies its
 *   `request_mutations` (`remove`, `remove_on_match` with an exact/prefix `key_matcher`,
 *   mutation_rules.proto `HeaderMutation`) to the request first.
 */

import { readFileSync } from 'node:fs'
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { parse } from 'yaml'
import { EXAMPLES, exchange } from './servers.js'

// RFC 9110 §7.6.1 hop-by-hop headers, which no proxy forwards.
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
])

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

function call(
  url: URL,
  method: string,
  headers: Record<string, string | string[]>,
  timeoutMs: number,
  body?: Buffer,
): Promise<Reply> {
  return exchange({
    host: url.hostname,
    port: url.port,
    method,
    path: `${url.pathname}${url.search}`,
    headers,
    setHost: false,
    timeoutMs,
    body,
  })
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function copyable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP.has(name)) out[name] = value
  return out
}

function reply(
  res: ServerResponse,
  answer: Reply,
  headers: Record<string, string | string[]>,
): void {
  res.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) })
  res.end(answer.body)
}

export interface Emulator {
  readonly port: number
  stop(): Promise<void>
}

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  port: number,
): Promise<Emulator> {
  const server: Server = createServer((req, res) => {
    handler(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502).end()
    })
  })
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    async stop() {
      const closed = once(server, 'close')
      server.close()
      server.closeAllConnections()
      await closed
    },
  }
}

// Go's http.CanonicalHeaderKey, which is what Traefik's regex sees (net/textproto).
const canonical = (name: string): string =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('-')

/** Traefik ForwardAuth, configured from a rendered traefik-dynamic.yml. */
export async function startTraefikEmulator(dynamicFile: string, port: number): Promise<Emulator> {
  const config: any = parse(readFileSync(dynamicFile, 'utf8'))
  const auth = config.http.middlewares['gitlab-id-token'].forwardAuth
  const address = new URL(auth.address as string)
  const responseHeaders = (auth.authResponseHeaders as string[]).map((h) => h.toLowerCase())
  const responseRegex =
    auth.authResponseHeadersRegex === undefined
      ? undefined
      : new RegExp(auth.authResponseHeadersRegex as string)
  const trust = auth.trustForwardHeader === true
  const upstream = new URL(config.http.services.app.loadBalancer.servers[0].url as string)
  return serve(async (req, res) => {
    const body = await readBody(req)
    // forward.go ServeHTTP: utils.CopyHeaders(forwardReq.Header, req.Header), minus hop-by-hop.
    const forward = copyable(req.headers)
    delete forward.host
    forward.host = address.host
    // writeHeader: X-Forwarded-* rebuilt from the real request unless trusted; -Prefix and
    // Forwarded are not touched (CVE-2026-35051, PR #12657).
    if (!trust || forward['x-forwarded-method'] === undefined)
      forward['x-forwarded-method'] = req.method ?? 'GET'
    if (!trust || forward['x-forwarded-proto'] === undefined) forward['x-forwarded-proto'] = 'http'
    if (!trust || forward['x-forwarded-host'] === undefined)
      forward['x-forwarded-host'] = req.headers.host ?? ''
    if (!trust || forward['x-forwarded-uri'] === undefined)
      forward['x-forwarded-uri'] = req.url ?? '/'
    forward['x-forwarded-for'] = '127.0.0.1'
    let answer: Reply
    try {
      answer = await call(address, 'GET', forward, 30_000)
    } catch {
      res.writeHead(500).end() // forward.go: "Error calling %s" → 500.
      return
    }
    if (answer.status < 200 || answer.status >= 300) {
      reply(res, answer, copyable(answer.headers))
      return
    }
    const next = copyable(req.headers)
    for (const name of responseHeaders) {
      delete next[name]
      const value = answer.headers[name]
      if (value !== undefined) next[name] = value
    }
    if (responseRegex !== undefined) {
      for (const name of Object.keys(next))
        if (responseRegex.test(canonical(name))) delete next[name]
      for (const [name, value] of Object.entries(answer.headers))
        if (value !== undefined && responseRegex.test(canonical(name))) next[name] = value
    }
    const appAnswer = await call(
      new URL(req.url ?? '/', upstream),
      req.method ?? 'GET',
      { ...next, 'content-length': String(body.length) },
      30_000,
      body,
    )
    reply(res, appAnswer, copyable(appAnswer.headers))
  }, port)
}

type Pattern = { exact?: string; prefix?: string }
const matches = (patterns: readonly Pattern[], name: string): boolean =>
  patterns.some(
    (p) =>
      (p.exact !== undefined && p.exact.toLowerCase() === name) ||
      (p.prefix !== undefined && name.startsWith(p.prefix.toLowerCase())),
  )

/** Envoy HTTP ext_authz, configured from a rendered envoy.yaml. */
export async function startEnvoyEmulator(bootstrapFile: string): Promise<Emulator> {
  const config: any = parse(readFileSync(bootstrapFile, 'utf8'))
  const listener = config.static_resources.listeners[0]
  const hcm = listener.filter_chains[0].filters[0].typed_config
  const extAuthz = hcm.http_filters.find(
    (f: any) => f.name === 'envoy.filters.http.ext_authz',
  ).typed_config
  const service = extAuthz.http_service
  const clusterPort = (name: string): number =>
    config.static_resources.clusters.find((c: any) => c.name === name).load_assignment.endpoints[0]
      .lb_endpoints[0].endpoint.address.socket_address.port_value
  const gateway = new URL(`http://127.0.0.1:${clusterPort(service.server_uri.cluster)}`)
  const app = new URL(
    `http://127.0.0.1:${clusterPort(hcm.route_config.virtual_hosts[0].routes[0].route.cluster)}`,
  )
  const timeoutMs = Number.parseFloat(service.server_uri.timeout) * 1000
  const allowedHeaders: Pattern[] = service.authorization_request?.allowed_headers?.patterns ?? []
  const upstreamPatterns: Pattern[] =
    service.authorization_response.allowed_upstream_headers.patterns
  // toClientMatchers: with allowed_client_headers set, these are always added.
  const clientPatterns: Pattern[] = [
    ...service.authorization_response.allowed_client_headers.patterns,
    { exact: 'www-authenticate' },
    { exact: 'location' },
  ]
  const errorStatus = extAuthz.status_on_error.code === 'ServiceUnavailable' ? 503 : 403
  const extAuthzAt = hcm.http_filters.findIndex(
    (f: any) => f.name === 'envoy.filters.http.ext_authz',
  )
  const mutations: { remove?: string; remove_on_match?: { key_matcher: Pattern } }[] =
    hcm.http_filters
      .slice(0, extAuthzAt)
      .filter((f: any) => f.name === 'envoy.filters.http.header_mutation')
      .flatMap((f: any) => f.typed_config.mutations?.request_mutations ?? [])
  return serve(async (req, res) => {
    const body = await readBody(req)
    for (const mutation of mutations) {
      for (const name of Object.keys(req.headers)) {
        const hit =
          mutation.remove !== undefined
            ? mutation.remove.toLowerCase() === name
            : mutation.remove_on_match !== undefined &&
              matches([mutation.remove_on_match.key_matcher], name)
        if (hit) delete req.headers[name]
      }
    }
    const check: Record<string, string | string[]> = {
      host: req.headers.host ?? '',
      'content-length': '0',
    }
    if (req.headers.authorization !== undefined) check.authorization = req.headers.authorization
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined && matches(allowedHeaders, name)) check[name] = value
    let answer: Reply
    try {
      answer = await call(
        new URL(`${service.path_prefix}${req.url ?? '/'}`, gateway),
        req.method ?? 'GET',
        check,
        timeoutMs,
      )
    } catch {
      res.writeHead(errorStatus, { 'content-length': '0' }).end()
      return
    }
    if (answer.status >= 500) {
      res.writeHead(errorStatus, { 'content-length': '0' }).end()
      return
    }
    if (answer.status !== 200) {
      const headers: Record<string, string | string[]> = {}
      for (const [name, value] of Object.entries(answer.headers))
        if (value !== undefined && matches(clientPatterns, name)) headers[name] = value
      reply(res, answer, headers)
      return
    }
    const next = copyable(req.headers)
    for (const [name, value] of Object.entries(answer.headers))
      if (value !== undefined && matches(upstreamPatterns, name)) next[name] = value
    const remove = String(answer.headers['x-envoy-auth-headers-to-remove'] ?? '')
    for (const name of remove
      .split(',')
      .map((n) => n.trim().toLowerCase())
      .filter(Boolean))
      delete next[name]
    const appAnswer = await call(
      new URL(req.url ?? '/', app),
      req.method ?? 'GET',
      { ...next, 'content-length': String(body.length) },
      30_000,
      body,
    )
    reply(res, appAnswer, copyable(appAnswer.headers))
  }, Number(listener.address.socket_address.port_value))
}

export { join as joinPath }
export const exampleFile = (name: string): string => join(EXAMPLES, name)
