/**
 * One `fetch` for every verifier of a gateway: concurrent GETs of one URL share one request, and a
 * successful answer is reused for a second, so N routes on one issuer cost one key-set fetch.
 * The core gives each verifier its own key provider and cannot share one, so this is where key
 * sets are shared per issuer. It also records each issuer's fetch results for `/readyz` and
 * `/metrics`.
 *
 * @module
 */

import type { IssuerConfig } from '@gitlab-id-token/core'

/** What one fetch of an issuer's documents did. */
export interface FetchRecord {
  readonly issuer: string
  readonly kind: 'discovery' | 'jwks'
  readonly ok: boolean
}

/**
 * Options of {@link createSharedFetch}.
 *
 * @example
 * ```ts
 * createSharedFetch({ issuers, onFetch: (r) => metrics.jwksFetches.inc({ issuer: r.issuer, result: r.ok ? 'ok' : 'error' }) })
 * ```
 */
export interface SharedFetchOptions {
  readonly issuers: readonly IssuerConfig[]
  readonly fetch?: typeof fetch
  /** How long a 200 answer is reused, in ms. Default 1000: long enough to share a cold start. */
  readonly reuseMs?: number
  readonly onFetch?: (record: FetchRecord) => void
  readonly now?: () => number
}

interface Buffered {
  readonly status: number
  readonly headers: Headers
  readonly body: ArrayBuffer
  readonly at: number
}

const discoveryUrl = (issuer: string): string =>
  `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`

/**
 * Creates the shared `fetch`. Only GETs are shared; anything else passes through.
 *
 * @example
 * ```ts
 * const sharedFetch = createSharedFetch({ issuers: [{ issuer: 'https://gitlab.com' }] })
 * createVerifier({ audience, policy, fetch: sharedFetch })
 * ```
 */
export function createSharedFetch(options: SharedFetchOptions): typeof fetch {
  const base = options.fetch ?? globalThis.fetch
  const now = options.now ?? Date.now
  const reuseMs = options.reuseMs ?? 1000
  const kinds = new Map<string, { issuer: string; kind: 'discovery' | 'jwks' }>()
  for (const config of options.issuers) {
    kinds.set(discoveryUrl(config.issuer), { issuer: config.issuer, kind: 'discovery' })
    if (config.jwksUri !== undefined)
      kinds.set(config.jwksUri, { issuer: config.issuer, kind: 'jwks' })
  }
  const inFlight = new Map<string, Promise<Buffered>>()
  const recent = new Map<string, Buffered>()

  const record = (url: string, buffered: Buffered | undefined): void => {
    const known = kinds.get(url)
    if (known === undefined) return
    const ok = buffered?.status === 200
    if (ok && known.kind === 'discovery') {
      try {
        const uri = (
          JSON.parse(Buffer.from(buffered.body).toString('utf8')) as { jwks_uri?: unknown }
        ).jwks_uri
        if (typeof uri === 'string' && !kinds.has(uri))
          kinds.set(uri, { issuer: known.issuer, kind: 'jwks' })
      } catch {
        // The core reports a broken document; we only learn where the keys are.
      }
    }
    try {
      options.onFetch?.({ ...known, ok })
    } catch {
      // Metrics must never fail a fetch.
    }
  }

  const load = async (url: string, init: RequestInit | undefined): Promise<Buffered> => {
    try {
      const response = await base(url, init)
      const buffered = {
        status: response.status,
        headers: response.headers,
        body: await response.arrayBuffer(),
        at: now(),
      }
      record(url, buffered)
      return buffered
    } catch (error) {
      record(url, undefined)
      throw error
    }
  }

  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET')
    if (method !== 'GET') return base(input, init)
    const cached = recent.get(url)
    let buffered: Buffered
    if (cached !== undefined && now() - cached.at <= reuseMs) buffered = cached
    else {
      let pending = inFlight.get(url)
      if (pending === undefined) {
        pending = load(url, init).finally(() => inFlight.delete(url))
        inFlight.set(url, pending)
      }
      const signal = init?.signal
      buffered = await (signal === undefined || signal === null
        ? pending
        : Promise.race([
            pending,
            new Promise<never>((_, reject) => {
              const abort = (): void => reject(new Error('fetch aborted', { cause: signal.reason }))
              if (signal.aborted) abort()
              signal.addEventListener('abort', abort, { once: true })
            }),
          ]))
      if (buffered.status === 200) recent.set(url, buffered)
      else recent.delete(url)
    }
    return new Response(
      buffered.status === 204 || buffered.status === 304 ? null : buffered.body.slice(0),
      {
        status: buffered.status,
        headers: buffered.headers,
      },
    )
  }
}
