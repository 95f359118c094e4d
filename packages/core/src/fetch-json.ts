/**
 * A bounded JSON GET for discovery documents and key sets.
 *
 * @module
 */

/** Limits for {@link fetchJson}. */
export interface FetchJsonOptions {
  readonly fetch: typeof fetch
  readonly timeoutMs: number
  /** Bodies larger than this are refused while streaming, never buffered whole. */
  readonly maxBytes: number
}

/** Bytes accepted from a discovery document or key set: GitLab's are a few KiB. */
export const MAX_RESPONSE_BYTES = 512 * 1024

/**
 * Why a discovery or key-set GET failed, with the facts an operator needs: the URL, and the HTTP
 * status when the server answered. The original network or parse error is the `cause`.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof FetchError) log.warn({ url: error.url, status: error.status }, error.message)
 * }
 * ```
 */
export class FetchError extends Error {
  override readonly name = 'FetchError'
  readonly url: string
  /** The HTTP status, when the server answered with something other than 200. */
  readonly status: number | undefined

  constructor(message: string, url: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause })
    this.url = url
    this.status = options.status
  }
}

/**
 * GETs `url` and parses its JSON body. Redirects are refused, not followed: a key set that moved
 * is a configuration change the operator should see, and following one would let whoever controls
 * the old location choose our keys. The timeout covers the whole exchange, body included.
 *
 * @throws {@link FetchError} naming the failure (status, size, timeout, JSON); the caller wraps it.
 *
 * @example
 * ```ts
 * const document = await fetchJson(url, { fetch, timeoutMs: 5_000, maxBytes: MAX_RESPONSE_BYTES })
 * ```
 */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<unknown> {
  const signal = AbortSignal.timeout(options.timeoutMs)
  let response: Response
  try {
    response = await options.fetch(url, {
      redirect: 'manual',
      signal,
      headers: { accept: 'application/json, application/jwk-set+json' },
    })
  } catch (cause) {
    throw new FetchError(signal.aborted ? `GET ${url} timed out` : `GET ${url} failed`, url, {
      cause,
    })
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined)
    throw new FetchError(`GET ${url} answered HTTP ${response.status}`, url, {
      status: response.status,
    })
  }
  const declared = Number(response.headers.get('content-length'))
  if (declared > options.maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw new FetchError(`GET ${url} body larger than ${options.maxBytes} bytes`, url)
  }
  const text = await readCapped(response, options.maxBytes, url, signal)
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new FetchError(`GET ${url} body is not JSON`, url, { cause })
  }
}

async function readCapped(
  response: Response,
  maxBytes: number,
  url: string,
  signal: AbortSignal,
): Promise<string> {
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) break
      chunks.push(value)
    }
  } catch (cause) {
    throw new FetchError(signal.aborted ? `GET ${url} timed out` : `GET ${url} body failed`, url, {
      cause,
    })
  }
  if (size > maxBytes) {
    await reader.cancel().catch(() => undefined)
    throw new FetchError(`GET ${url} body larger than ${maxBytes} bytes`, url)
  }
  return Buffer.concat(chunks).toString('utf8')
}
