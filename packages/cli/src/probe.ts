/**
 * One timed GET for `doctor`, with every failure turned into a sentence instead of a throw.
 *
 * @module
 */

/** What a GET produced. */
export interface Probe {
  readonly url: string
  readonly ms: number
  /** `undefined` when nothing answered (refused, timeout, DNS). */
  readonly status?: number
  readonly headers?: Headers
  /** The parsed JSON body, when it was JSON. */
  readonly json?: unknown
  /** Why it failed: network error, HTTP status, redirect, not JSON. */
  readonly problem?: string
  /** Whether retrying later could help: network errors, timeouts, 429 and 5xx. */
  readonly retryable: boolean
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  if ((error as Error).name === 'TimeoutError') return 'timed out'
  return cause?.code ?? cause?.message ?? (error as Error).message
}

/**
 * GETs `url` like the core does (no redirects, a timeout) and reads a JSON body.
 *
 * @example
 * ```ts
 * const probe = await probeJson('https://gitlab.com/.well-known/openid-configuration', 5000)
 * ```
 */
export async function probeJson(url: string, timeoutMs: number): Promise<Probe> {
  const started = performance.now()
  let response: Response
  try {
    response = await fetch(url, {
      redirect: 'manual',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    return {
      url,
      ms: performance.now() - started,
      problem: `no answer: ${networkReason(error)}`,
      retryable: true,
    }
  }
  const base = { url, status: response.status, headers: response.headers }
  let text: string
  try {
    text = await response.text()
  } catch (error) {
    return {
      ...base,
      ms: performance.now() - started,
      problem: `body cut off: ${networkReason(error)}`,
      retryable: true,
    }
  }
  const ms = performance.now() - started
  if (response.status >= 300 && response.status < 400) {
    const to = response.headers.get('location') ?? '(no Location)'
    return {
      ...base,
      ms,
      problem: `HTTP ${response.status} redirect to ${to}: the verifier does not follow redirects`,
      retryable: false,
    }
  }
  if (response.status !== 200) {
    const retryAfter = response.headers.get('retry-after')
    return {
      ...base,
      ms,
      problem: `HTTP ${response.status}${retryAfter === null ? '' : ` (Retry-After ${retryAfter})`}`,
      retryable: response.status === 429 || response.status >= 500,
    }
  }
  try {
    return { ...base, ms, json: JSON.parse(text) as unknown, retryable: false }
  } catch {
    const sample = JSON.stringify(text.slice(0, 40))
    return {
      ...base,
      ms,
      problem: `200 but not JSON (${response.headers.get('content-type') ?? 'no content-type'}, starts ${sample})`,
      retryable: false,
    }
  }
}
