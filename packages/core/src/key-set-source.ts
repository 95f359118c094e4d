/**
 * Where an issuer's key set comes from: OpenID Connect discovery, then the `jwks_uri` it names.
 *
 * @module
 */

import { FetchError, fetchJson, MAX_RESPONSE_BYTES } from './fetch-json.js'
import { isTrustedUrl } from './issuers.js'
import type { IssuerConfig } from './types.js'

/** The network side of a {@link KeySetSource}. */
export interface KeySetSourceOptions {
  readonly fetch: typeof fetch
  readonly timeoutMs: number
}

/** A fetched key-set document and the URL it came from. */
export interface FetchedDocument {
  readonly document: unknown
  readonly jwksUri: string
}

/**
 * Fetches one issuer's key-set document, discovering its location on first use and again after
 * any failure: the discovery document is the source of truth for where the keys live.
 *
 * @example
 * ```ts
 * const source = new KeySetSource({ issuer: 'https://gitlab.example.com' }, { fetch, timeoutMs: 5_000 })
 * const { document, jwksUri } = await source.fetch()
 * ```
 */
export class KeySetSource {
  readonly #config: IssuerConfig
  readonly #options: KeySetSourceOptions
  #jwksUri: string | undefined

  constructor(config: IssuerConfig, options: KeySetSourceOptions) {
    this.#config = config
    this.#options = options
    this.#jwksUri = config.jwksUri
  }

  /** The key-set URL in use, if known. */
  get jwksUri(): string | undefined {
    return this.#jwksUri
  }

  /** Uses `uri` (learnt from another instance) instead of discovering, unless one is configured. */
  adopt(uri: string | undefined): void {
    if (this.#config.jwksUri === undefined && uri !== undefined && isTrustedUrl(uri)) {
      this.#jwksUri = uri
    }
  }

  /** Discovers again next time (after a document that did not import). */
  forget(): void {
    if (this.#config.jwksUri === undefined) this.#jwksUri = undefined
  }

  /** GETs the key-set document, discovering its URL first when needed. */
  async fetch(): Promise<FetchedDocument> {
    const jwksUri = this.#jwksUri ?? (await this.#discover())
    try {
      return { document: await this.#get(jwksUri), jwksUri }
    } catch (error) {
      this.forget()
      throw error
    }
  }

  async #discover(): Promise<string> {
    const base = this.#config.issuer.replace(/\/+$/, '')
    const url = `${base}/.well-known/openid-configuration`
    const document = (await this.#get(url)) as { issuer?: unknown; jwks_uri?: unknown } | null
    const configured = this.#config.issuer
    // OpenID Connect Discovery 1.0 §4.3: the document's issuer MUST equal the issuer it was
    // fetched for. GitLab's differs when `ci_id_tokens.issuer_url` is overridden: set `jwksUri`.
    if (document?.issuer !== configured) {
      throw new FetchError(issuerMismatch(configured, document?.issuer), url)
    }
    const uri = document.jwks_uri
    if (typeof uri !== 'string' || !isTrustedUrl(uri)) {
      throw new FetchError(
        'discovery document has no https:// "jwks_uri" (http:// only on loopback)',
        url,
      )
    }
    this.#jwksUri = uri
    return uri
  }

  #get(url: string): Promise<unknown> {
    return fetchJson(url, {
      fetch: this.#options.fetch,
      timeoutMs: this.#options.timeoutMs,
      maxBytes: MAX_RESPONSE_BYTES,
    })
  }
}

// Tokens carry the document's issuer verbatim as `iss`, and `iss` is compared exactly, so a
// configured value that differs only in spelling would refuse every token: name the fix.
function issuerMismatch(configured: string, announced: unknown): string {
  const both = `discovery document names issuer ${JSON.stringify(announced)}, configured ${JSON.stringify(configured)}`
  if (typeof announced === 'string' && looselyEqual(configured, announced)) {
    return `${both}: set "issuer" to ${JSON.stringify(announced)} exactly (tokens carry that value as iss)`
  }
  return `${both}; configure "jwksUri" for an issuer-URL override`
}

function looselyEqual(a: string, b: string): boolean {
  const loose = (value: string): string | undefined => {
    if (!URL.canParse(value)) return undefined
    const url = new URL(value)
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}${url.search}`
  }
  const left = loose(a)
  return left !== undefined && left === loose(b)
}
