/**
 * A minimal HTTP client over node:http, because the contract needs what `fetch` cannot send:
 * two separate `Authorization` header lines (fetch joins them into one value).
 */

import {
  request as httpRequest,
  type Agent,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http'
import type { AddressInfo } from 'node:net'

export interface HttpResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
  /** The parsed JSON body, or `undefined` when the body is not JSON. */
  readonly json: any
}

export interface HttpRequestOptions {
  readonly method?: string
  /** A header repeated in an array is sent as separate header lines. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>
  readonly body?: string
  /** Node's default global agent when not given. */
  readonly agent?: Agent
}

export function send(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const requestOptions = {
      method: options.method ?? 'GET',
      ...(options.agent === undefined ? {} : { agent: options.agent }),
    }
    const req = httpRequest(url, requestOptions, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
      })
    })
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      req.setHeader(name, typeof value === 'string' ? value : [...value])
    }
    req.on('error', reject)
    req.end(options.body)
  })
}

/** `Authorization: Bearer <token>`. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}

/** Listens on 127.0.0.1, port 0; resolves to the base URL and a close function. */
export async function listen(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
