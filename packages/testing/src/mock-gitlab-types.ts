/**
 * The options and the handle of the mock GitLab instance (`createMockGitlab`).
 *
 * @module
 */

import type { KeyObject } from 'node:crypto'

import type { CiClaims, ClaimOverrides, ClaimProfile } from './claims-builder.js'
import type { Endpoint, RequestCounters } from './issuer-server.js'
import type { SigningKey } from './key-pair.js'
import type { Timeouts } from './lifetime.js'
import type { MintForJobContext } from './mint-for-job.js'
import type { DiscoveryMode, EndpointMode, ResponseSpec } from './responses.js'
import type { SignatureAlgorithm } from './sign.js'

/**
 * Options of {@link createMockGitlab}. The {@link ClaimProfile} (GitLab version, config source,
 * `sub` components, feature flags) and {@link Timeouts} members are the defaults of every mint;
 * each mint can change them.
 */
export interface MockGitlabOptions extends ClaimProfile, Timeouts {
  /**
   * `Settings.gitlab.url`: where discovery and keys are served (its path is the relative URL
   * root), the `iss` of user-login tokens, the host in `ci_config_ref_uri`. Default: the server
   * origin, `http://127.0.0.1:PORT` (no trailing slash). A function receives the origin, e.g.
   * `(origin) => \`${origin}/gitlab\``.
   */
  readonly instanceUrl?: string | ((origin: string) => string)
  /**
   * The `iss` of CI tokens. Default: the instance URL. Without `instanceUrl` it is the instance
   * URL too (so `(origin) => \`${origin}/gitlab\`` models a relative root). Set both to model
   * `ci_id_tokens.issuer_url` (GitLab 18.1+): CI tokens carry the override verbatim, while
   * GitLab's own discovery document keeps announcing the instance URL.
   */
  readonly issuer?: string | ((origin: string) => string)
  /** Listen on this loopback port. Default `0` (any free port). */
  readonly port?: number
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
  /** `aud` of minted CI tokens when none is given. Default `'https://relying-party.example.com'`. */
  readonly audience?: string | readonly string[]
  /**
   * `exp - iat` of CI tokens in seconds, verbatim. Default: from the timeouts, `projectTimeout`
   * 3600 (GitLab's default project timeout; every real token seen has `exp - iat == 3600`).
   */
  readonly expiresIn?: number
  /** The CI signing key. Default: a fresh RSA-2048 key, the size of gitlab.com's. */
  readonly ciKey?: SigningKey
  /**
   * The user-login OIDC key (`openid_connect_signing_key`). Default: a fresh RSA-2048 key, or
   * RSA-4096 when the instance is `https://gitlab.com` (gitlab.com's size).
   */
  readonly userKey?: SigningKey
}

/**
 * Options of {@link MockGitlab.mint} and {@link MockGitlab.mintUserToken}. The profile and
 * timeout members replace the mock's for this token.
 */
export interface MintOptions extends ClaimProfile, Timeouts {
  /** Mint time in milliseconds since the epoch. Default: the mock's clock. */
  readonly now?: number
  /** `exp - iat` in seconds, verbatim. Default: from the timeouts (CI) or 120 (user tokens). */
  readonly expiresIn?: number
  /** Header members merged over `{ kid, typ: 'JWT', alg: 'RS256' }`; `undefined` removes one. */
  readonly header?: Readonly<Record<string, unknown>>
  /** Which key signs. Default `'ci'` for `mint`, `'user'` for `mintUserToken`. */
  readonly key?: 'ci' | 'user' | SigningKey | KeyObject
}

/** Options of {@link MockGitlab.sign}. */
export interface MockSignOptions {
  /**
   * An object is merged over `{ kid, typ: 'JWT', alg: 'RS256' }` (`undefined` removes a member);
   * a string is the verbatim header JSON.
   */
  readonly header?: Readonly<Record<string, unknown>> | string
  /**
   * `'ci'` (default), `'user'`, a {@link SigningKey} (its `kid` becomes the default), or raw
   * material, which keeps the CI key's `kid` so forgeries point at the real key: a `KeyObject`,
   * PEM text, or an HMAC secret as bytes or text (e.g. the public key's PEM or JWK `n` for
   * algorithm confusion). Any string other than `'ci'`/`'user'` is material.
   */
  readonly key?: 'ci' | 'user' | SigningKey | KeyObject | Uint8Array | (string & {})
  /** Compute the signature with this algorithm whatever the header says. */
  readonly algorithm?: SignatureAlgorithm
}

/** The handle {@link createMockGitlab} returns. */
export interface MockGitlab {
  /** The server origin, `http://127.0.0.1:PORT`. */
  readonly url: string
  /** The `iss` of minted CI tokens (no trailing slash unless configured). */
  readonly issuer: string
  /** `Settings.gitlab.url`: the discovery document's `issuer` and the user tokens' `iss`. */
  readonly instanceUrl: string
  /** `{server}{relative root}/.well-known/openid-configuration`. */
  readonly discoveryUrl: string
  /** `{server}{relative root}/oauth/discovery/keys`, also the discovery document's `jwks_uri`. */
  readonly jwksUri: string
  /** The current CI signing key (changes on {@link MockGitlab.rotateKey}). */
  readonly ciKey: SigningKey
  /** The user-login OIDC key, published in the same key set. */
  readonly userKey: SigningKey
  /** The OAuth application `client_id` that {@link MockGitlab.mintUserToken} uses as `aud`. */
  readonly oauthClientId: string
  /** The key set `ok` serves now: user key, CI key (GitLab's order), then published extras. */
  readonly keySet: { readonly keys: readonly object[] }
  readonly requests: RequestCounters
  /** Claims `mint` would sign (fresh `jti`, next `job_id`), without signing. */
  readonly buildClaims: (
    overrides?: ClaimOverrides,
    options?: Omit<MintOptions, 'header' | 'key'>,
  ) => CiClaims
  /** A signed CI/CD ID token. Synchronous. */
  readonly mint: (overrides?: ClaimOverrides, options?: MintOptions) => string
  /**
   * A signed user-login OIDC id_token (user key, `iss` = the instance URL, `sub` = user ID, `aud`
   * = an OAuth client ID, the profile claims of current GitLab).
   */
  readonly mintUserToken: (overrides?: ClaimOverrides, options?: MintOptions) => string
  /** Tokens for a job's `id_tokens:`, keyed by variable name. Synchronous. */
  readonly mintForJob: (
    ciYaml: string,
    jobName: string,
    context?: MintForJobContext,
  ) => Record<string, string>
  /** Signs any payload with any header: the raw tool for attack tests. */
  readonly sign: (payload: object | string | Uint8Array, options?: MockSignOptions) => string
  /** Replaces the CI key; the old one leaves the key set at once, as on GitLab. Returns the new key. */
  readonly rotateKey: (next?: SigningKey) => SigningKey
  /** Appends keys (any JWK objects, duplicates and wrong types included) to the served key set. */
  readonly publishKeys: (keys: readonly object[]) => void
  /** Removes every key added with {@link MockGitlab.publishKeys}. */
  readonly unpublishKeys: () => void
  /** How `/oauth/discovery/keys` answers from now on. */
  readonly setKeySetResponse: (mode: EndpointMode | ResponseSpec) => void
  /** How `/.well-known/openid-configuration` answers from now on. */
  readonly setDiscoveryResponse: (mode: DiscoveryMode | ResponseSpec) => void
  /** The discovery document `ok` serves. */
  readonly discoveryDocument: () => Record<string, unknown>
  /** Resolves when the next request to `endpoint` arrives (before it is answered). */
  readonly nextRequest: (endpoint: Endpoint) => Promise<void>
  /** Sets every counter back to zero. */
  readonly resetRequests: () => void
  /** Stops both servers and destroys open sockets, hanging requests included. */
  readonly close: () => Promise<void>
}
