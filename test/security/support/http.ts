/**
 * The security suites' view of the contract's raw HTTP client (test/contract/http.ts). `fetch`
 * cannot send what an attacker sends: two `Authorization` header lines (it joins them), or a 1 MB
 * header (it may refuse), and it hides a reset connection behind a generic `TypeError`; so a
 * failed connection is an answer here (status 0 and the socket error code), never a rejection.
 */

import { send, type HttpRequestOptions, type HttpResponse } from '../../contract/http.js'

export { bearer } from '../../contract/http.js'

export interface RawResponse extends HttpResponse {
  /** The HTTP status, or 0 when the connection failed before a response arrived. */
  readonly status: number
  /** The socket error code (`ECONNRESET`, `EPIPE`, …) when `status` is 0. */
  readonly error?: string
}

export type RawRequest = HttpRequestOptions

/** Sends one request; resolves (never rejects) with the response or the socket error. */
export function sendRaw(url: string, options: RawRequest = {}): Promise<RawResponse> {
  return send(url, options).catch((error: NodeJS.ErrnoException) => ({
    status: 0,
    headers: {},
    text: '',
    json: undefined,
    error: error.code ?? 'ERROR',
  }))
}
