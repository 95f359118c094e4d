/**
 * The fault modes of the mock's endpoints: what each one puts on the wire. Kept apart from the
 * server so the security and fault suites can read exactly what a mode means.
 *
 * @module
 */

import { once } from 'node:events'
import type { ServerResponse } from 'node:http'

/**
 * A named endpoint behaviour.
 *
 * | mode | response |
 * |---|---|
 * | `ok` | 200, the real document, GitLab's headers |
 * | `error` | 500, HTML body |
 * | `hang` | headers never sent; the socket stays open until the client gives up or `close()` |
 * | `garbage` | 200 `application/json` whose body is not JSON |
 * | `redirect` | 302 to a second loopback server (another origin) that serves the real document |
 * | `huge` | 200, ~10 MB of valid JSON, chunked (no `Content-Length`), the real keys at the very end |
 * | `truncated` | 200, the real JSON cut in half (`Content-Length` matches the cut body) |
 * | `wrong-shape` | 200, valid JSON of the wrong shape (`{"no_keys":[…]}` / no `jwks_uri`) |
 * | `not-found` | 404, HTML body |
 * | `rate-limited` | 429 `Retry-After: 60`, `Retry later` (GitLab's Rack::Attack answer) |
 */
export type EndpointMode =
  | 'ok'
  | 'error'
  | 'hang'
  | 'garbage'
  | 'redirect'
  | 'huge'
  | 'truncated'
  | 'wrong-shape'
  | 'not-found'
  | 'rate-limited'

/** Discovery also has `wrong-issuer`: a valid document whose `issuer` differs from the token's. */
export type DiscoveryMode = EndpointMode | 'wrong-issuer'

/**
 * A custom response. Unset members keep the `ok` response's: status 200, GitLab's headers, the
 * real document. `body` may be bytes, a string, or an object (sent as JSON). `headers` are merged
 * over the defaults; a `null` value removes a default header.
 */
export interface ResponseSpec {
  readonly status?: number
  readonly headers?: Readonly<Record<string, string | readonly string[] | null>>
  readonly body?: string | Uint8Array | object
  /** Wait this long before answering (the body is taken when the request arrives). */
  readonly delayMs?: number
  /** Stream the body chunked, without `Content-Length`. Default `false`. */
  readonly chunked?: boolean
}

/** What the server will do for one request. @internal */
export type ResponsePlan =
  | { readonly kind: 'hang' }
  | {
      readonly kind: 'send'
      readonly status: number
      readonly headers: Readonly<Record<string, string | string[]>>
      readonly body: Buffer
      /** Send in chunks without `Content-Length`. */
      readonly chunked: boolean
      readonly delayMs: number
    }

/** The ingredients of an endpoint's `ok` answer. @internal */
export interface OkResponse {
  readonly headers: Readonly<Record<string, string>>
  readonly document: object
  /** The `wrong-shape` variant of the document. */
  readonly wrongShape: object
  /** Absolute URL of the same document on the redirect target. */
  readonly redirectTo: string
}

/** Size of the `huge` body: far over any sane key-set cap (the core's is 512 KiB). */
export const HUGE_BODY_BYTES = 10 * 1024 * 1024

const HTML = { 'content-type': 'text/html; charset=utf-8' }

function hugeBody(document: object): Buffer {
  const tail = JSON.stringify(document).slice(1)
  const head = '{"padding":"'
  const padding = 'x'.repeat(HUGE_BODY_BYTES - head.length - tail.length - 2)
  return Buffer.from(`${head}${padding}",${tail}`)
}

function toBuffer(body: string | Uint8Array | object): Buffer {
  if (body instanceof Uint8Array) return Buffer.from(body)
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
}

function send(
  status: number,
  headers: Readonly<Record<string, string | string[]>>,
  body: string | Buffer,
  extra: { chunked?: boolean; delayMs?: number } = {},
): ResponsePlan {
  return {
    kind: 'send',
    status,
    headers,
    body: Buffer.from(body),
    chunked: extra.chunked ?? false,
    delayMs: extra.delayMs ?? 0,
  }
}

/** Turns a mode or spec into a plan. `wrong-issuer` is handled by the caller (it edits the document). @internal */
export function planResponse(mode: EndpointMode | ResponseSpec, ok: OkResponse): ResponsePlan {
  const json = JSON.stringify(ok.document)
  if (typeof mode === 'object') {
    const headers: Record<string, string | string[]> = { ...ok.headers }
    for (const [name, value] of Object.entries(mode.headers ?? {})) {
      if (value === null) delete headers[name.toLowerCase()]
      else headers[name.toLowerCase()] = typeof value === 'string' ? value : [...value]
    }
    const body = mode.body === undefined ? json : toBuffer(mode.body)
    return send(mode.status ?? 200, headers, body, {
      delayMs: mode.delayMs ?? 0,
      chunked: mode.chunked ?? false,
    })
  }
  switch (mode) {
    case 'ok':
      return send(200, ok.headers, json)
    case 'hang':
      return { kind: 'hang' }
    case 'error':
      return send(
        500,
        HTML,
        '<!DOCTYPE html>\n<html><body><h1>500</h1>Whoops, something went wrong on our end.</body></html>\n',
      )
    case 'not-found':
      return send(
        404,
        HTML,
        '<!DOCTYPE html>\n<html><body><h1>404</h1>Page Not Found</body></html>\n',
      )
    case 'rate-limited':
      return send(429, { 'content-type': 'text/plain', 'retry-after': '60' }, 'Retry later\n')
    case 'garbage':
      return send(200, ok.headers, '<html>\u0000\u00ff not json')
    case 'truncated':
      return send(200, ok.headers, json.slice(0, Math.floor(json.length / 2)))
    case 'wrong-shape':
      return send(200, ok.headers, JSON.stringify(ok.wrongShape))
    case 'redirect':
      return send(
        302,
        { ...HTML, location: ok.redirectTo },
        `<html><body>You are being <a href="${ok.redirectTo}">redirected</a>.</body></html>`,
      )
    case 'huge':
      return send(200, ok.headers, hugeBody(ok.document), { chunked: true })
  }
}

const CHUNK = 64 * 1024

/** Writes a `send` plan, giving up quietly when the client goes away. @internal */
export async function writePlan(res: ServerResponse, plan: ResponsePlan): Promise<void> {
  if (plan.kind === 'hang') return
  const headers: Record<string, string | string[]> = { ...plan.headers }
  // A spec may set its own (even lying) Content-Length; otherwise it is the real one.
  if (!plan.chunked && headers['content-length'] === undefined) {
    headers['content-length'] = String(plan.body.length)
  }
  res.writeHead(plan.status, headers)
  if (!plan.chunked) {
    res.end(plan.body)
    return
  }
  // One abort signal for every wait: a listener per chunk would pile up on a 10 MB body.
  const closed = new AbortController()
  res.once('close', () => closed.abort())
  try {
    for (let offset = 0; offset < plan.body.length; offset += CHUNK) {
      if (res.destroyed) return
      if (!res.write(plan.body.subarray(offset, offset + CHUNK))) {
        await once(res, 'drain', { signal: closed.signal })
      }
    }
  } catch (error) {
    if (!closed.signal.aborted) throw error
    return
  }
  if (!res.destroyed) res.end()
}
