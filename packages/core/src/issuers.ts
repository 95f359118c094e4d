/**
 * Validating the trusted-issuer configuration.
 *
 * @module
 */

import { GitlabIdTokenError } from './errors.js'
import type { IssuerConfig, JsonWebKeySet } from './types.js'

/**
 * The issuer used when none is configured.
 *
 * @example
 * ```ts
 * createVerifier({ audience, policy, issuer: [DEFAULT_ISSUER, 'https://gitlab.example.com'] })
 * ```
 */
export const DEFAULT_ISSUER = 'https://gitlab.com'

const LOOPBACK_V4 = /^127(?:\.\d{1,3}){3}$/

/** Whether `hostname` (as `URL` reports it) is loopback: `127.0.0.0/8`, `localhost` or `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || LOOPBACK_V4.test(hostname)
}

/**
 * Whether `value` may be fetched from or trusted as an issuer: `https://`, or `http://` on a
 * loopback host (tests and local development). Plain HTTP elsewhere would let anyone on the path
 * substitute the key set.
 */
export function isTrustedUrl(value: string): boolean {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') return false
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))
}

function invalid(message: string): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_INVALID_CONFIG', message)
}

function normalise(entry: string | IssuerConfig): IssuerConfig {
  const config = typeof entry === 'string' ? { issuer: entry } : entry
  if (typeof config !== 'object' || config === null || typeof config.issuer !== 'string') {
    throw invalid('"issuer" must be a URL string or { issuer, jwksUri?, jwks? }')
  }
  // GitLab's `iss` is the instance URL verbatim (`Settings.gitlab.url`, or the
  // `ci_id_tokens.issuer_url` override); a bare host is the removed CI_JOB_JWT v1 format.
  if (!isTrustedUrl(config.issuer)) {
    throw invalid(
      `issuer ${JSON.stringify(config.issuer)} must be an https:// URL (http:// only on loopback), e.g. "https://gitlab.example.com"`,
    )
  }
  if (config.jwksUri !== undefined && config.jwks !== undefined) {
    throw invalid(`issuer ${config.issuer}: set "jwksUri" or "jwks", not both`)
  }
  if (config.jwksUri !== undefined && !isTrustedUrl(config.jwksUri)) {
    throw invalid(
      `issuer ${config.issuer}: "jwksUri" must be an https:// URL (http:// only on loopback)`,
    )
  }
  if (config.jwks !== undefined && !Array.isArray((config.jwks as JsonWebKeySet | null)?.keys)) {
    throw invalid(`issuer ${config.issuer}: "jwks" must be a key set { keys: [...] }`)
  }
  return config
}

// GitLab's `iss` is `Settings.gitlab.url` verbatim: scheme, lower-case host, the port only when it
// is not the default, the relative root without a trailing slash, nothing else. An issuer spelt
// any other way can never equal a token's `iss`, so every token would be ERR_ISSUER_UNTRUSTED.
// One exception: `ci_id_tokens.issuer_url` (GitLab 18.1) is used verbatim, and GitLab's own spec
// sets it with a trailing slash. That override is the only way a slash reaches `iss`, and there
// discovery at the issuer names the instance URL, not the override: so a trailing slash is taken
// only with an explicit key source (`jwksUri` or `jwks`), which is the override's configuration.
function checkSpelling(issuers: ReadonlyMap<string, IssuerConfig>): void {
  for (const [issuer, config] of issuers) {
    const url = new URL(issuer)
    const canonical = `${url.origin}${url.pathname.replace(/\/+$/, '')}`
    if (issuer === canonical) continue
    const slashOnly = issuer === `${canonical}/` && url.search === '' && url.hash === ''
    if (slashOnly && (config.jwksUri !== undefined || config.jwks !== undefined)) continue
    throw invalid(
      slashOnly
        ? `issuer ${JSON.stringify(issuer)} ends in a slash, which a GitLab token's iss never ` +
            `has unless the instance sets ci_id_tokens.issuer_url with one. Set "issuer" to ` +
            `${JSON.stringify(canonical)}; or, for such an override, keep the slash and set ` +
            `"jwksUri" to the instance's key set (e.g. https://<instance>/oauth/discovery/keys): ` +
            `its discovery document names the instance URL, not the override`
        : `issuer ${JSON.stringify(issuer)} can never equal a GitLab token's iss; GitLab would send ${JSON.stringify(canonical)} (no trailing slash, query or default port)`,
    )
  }
}

/**
 * Resolves the `issuer` option into a map from the exact `iss` string to its configuration, and
 * refuses an issuer no GitLab token can carry.
 *
 * @example
 * ```ts
 * resolveIssuers('https://gitlab.example.com') // Map { 'https://gitlab.example.com' => { issuer } }
 * resolveIssuers('https://gitlab.example.com/') // throws ERR_INVALID_CONFIG (trailing slash)
 * ```
 */
export function resolveIssuers(
  option: string | IssuerConfig | readonly (string | IssuerConfig)[] | undefined,
): Map<string, IssuerConfig> {
  const list = option === undefined ? [DEFAULT_ISSUER] : Array.isArray(option) ? option : [option]
  if (list.length === 0) throw invalid('"issuer" must name at least one issuer')
  const issuers = new Map<string, IssuerConfig>()
  for (const entry of list as (string | IssuerConfig)[]) {
    const config = normalise(entry)
    if (issuers.has(config.issuer)) throw invalid(`issuer ${config.issuer} is configured twice`)
    issuers.set(config.issuer, config)
  }
  checkSpelling(issuers)
  return issuers
}
