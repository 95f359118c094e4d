/**
 * A raw HTTP client over node:http for the security suites. `fetch` cannot send what an attacker
 * sends: two `Authorization` header lines (it joins them), or a 1 MB header (it may refuse), and it
 * hides a reset connection behind a generic `TypeError`.
 */

import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http'

export interface RawResponse {
  /** The HTTP status, or 0 when the connection failed before a response arrived. */
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
  /** The parsed JSON body, or `undefined` when the body is not JSON. */
  readonly json: any
  /** The socket error code (`ECONNRESET`, `EPIPE`, …) when `status` is 0. */
  readonly error?: string
}

export interface RawRequest {
  readonly method?: string
  /** A header whose value is an array is sent as separate header lines. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>
  readonly body?: string
  readonly agent?: Agent
}

/** Sends one request; resolves (never rejects) with the response or the socket error. */
export function sendRaw(url: string, options: RawRequest = {}): Promise<RawResponse> {
  return new Promise((resolve) => {
    let settled = false
    const finish = (response: RawResponse): void => {
      if (settled) return
      settled = true
      resolve(response)
    }
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'GET',
        ...(options.agent === undefined ? {} : { agent: options.agent }),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', (error: NodeJS.ErrnoException) =>
          finish({
            status: 0,
            headers: {},
            text: '',
            json: undefined,
            error: error.code ?? 'ERROR',
          }),
        )
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let json: unknown
          try {
            json = JSON.parse(text)
          } catch {
            json = undefined
          }
          finish({ status: res.statusCode ?? 0, headers: res.headers, text, json })
        })
      },
    )
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      req.setHeader(name, typeof value === 'string' ? value : [...value])
    }
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish({ status: 0, headers: {}, text: '', json: undefined, error: error.code ?? 'ERROR' }),
    )
    req.end(options.body)
  })
}

/** `{ authorization: 'Bearer <token>' }`. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}
