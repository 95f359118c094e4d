/**
 * A real GitLab-shaped OIDC issuer on loopback: discovery, key set, token minting and fault modes.
 *
 * @module
 */

import type { KeyObject } from 'node:crypto'

import { buildCiClaims } from './claims-builder.js'
import type { ClaimOverrides, Claims } from './claims-builder.js'
import { buildDiscoveryDocument } from './discovery.js'
import { startIssuerServer } from './issuer-server.js'
import type { Endpoint, RequestCounters } from './issuer-server.js'
import { takeSigningKey, takeSigningKeySync } from './key-pair.js'
import type { SigningKey } from './key-pair.js'
import { mintTokensForJob } from './mint-for-job.js'
import type { MintForJobContext } from './mint-for-job.js'
import type { DiscoveryMode, EndpointMode, ResponseSpec } from './responses.js'
import { signJwt } from './sign.js'
import type { SignatureAlgorithm, SigningMaterial } from './sign.js'
import { buildUserClaims, oauthClientId } from './user-claims.js'

/** Options of {@link createMockGitlab}. */
export interface MockGitlabOptions {
  /**
   * The `iss` the mock signs with and its discovery document announces. Default: the server
   * origin, `http://127.0.0.1:PORT` (no trailing slash, like `Settings.gitlab.url`). A function
   * receives the origin, e.g. `(origin) => \`${origin}/gitlab\`` for a relative URL root; the
   * path part of the result is where discovery and keys are served.
   */
  readonly issuer?: string | ((origin: string) => string)
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
  /** `aud` of minted CI tokens when none is given. Default `'https://relying-party.example.com'`. */
  readonly audience?: string | readonly string[]
  /**
   * `exp - iat` of CI tokens in seconds. Default `3600`: GitLab uses the job timeout, and the
   * project default timeout is one hour (every real token seen has `exp - iat == 3600`).
   */
  readonly expiresIn?: number
  /** The CI signing key. Default: a fresh RSA-2048 key. */
  readonly ciKey?: SigningKey
  /**
   * The user-login OIDC key (`openid_connect_signing_key`). Default: a fresh RSA-2048 key
   * (gitlab.com's is 4096-bit; pass one if a test cares).
   */
  readonly userKey?: SigningKey
}

/** Options of {@link MockGitlab.mint} and {@link MockGitlab.mintUserToken}. */
export interface MintOptions {
  /** Mint time in milliseconds since the epoch. Default: the mock's clock. */
  readonly now?: number
  /** `exp - iat` in seconds. Default: the mock's `expiresIn` (CI) or 120 (user tokens). */
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
  /** The `iss` of minted tokens (no trailing slash unless configured). */
  readonly issuer: string
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
    options?: Pick<MintOptions, 'now' | 'expiresIn'>,
  ) => Claims
  /** A signed CI/CD ID token. Synchronous. */
  readonly mint: (overrides?: ClaimOverrides, options?: MintOptions) => string
  /** A signed user-login OIDC id_token (user key, `sub` = user ID, `aud` = an OAuth client ID). */
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

const MOCK_OAUTH_APPLICATION = 'gitlab-id-token-mock'
const DEFAULT_AUDIENCE = 'https://relying-party.example.com'
const DEFAULT_EXPIRES_IN = 3600

/**
 * Starts a mock GitLab instance on `127.0.0.1`, port 0: discovery at
 * `/.well-known/openid-configuration`, keys at `/oauth/discovery/keys`, GitLab's headers and key
 * shapes, and fault modes for every failure a relying party must survive.
 *
 * @example
 * ```ts
 * const gitlab = await createMockGitlab()
 * const token = gitlab.mint({ aud: 'https://deploy.example.com', project_path: 'acme/widget' })
 * const verifier = createVerifier({ issuer: gitlab.issuer, audience: 'https://deploy.example.com', policy })
 * await verifier.verify(token)
 * await gitlab.close()
 * ```
 */
export async function createMockGitlab(options: MockGitlabOptions = {}): Promise<MockGitlab> {
  // The user key is only needed once the key set is served or a user token minted, so it is
  // generated in the background; synchronous callers that arrive first generate it on the spot.
  let userKeyValue = options.userKey
  const userKeyReady = (
    userKeyValue === undefined ? takeSigningKey() : Promise.resolve(userKeyValue)
  ).then((key) => (userKeyValue ??= key))
  userKeyReady.catch(() => {})
  const userKey = (): SigningKey => (userKeyValue ??= takeSigningKeySync())
  const initialCiKey = options.ciKey ?? (await takeSigningKey())
  const clock = options.now ?? Date.now
  const audience = options.audience ?? DEFAULT_AUDIENCE
  const defaultExpiresIn = options.expiresIn ?? DEFAULT_EXPIRES_IN

  let ciKey = initialCiKey
  let extraKeys: object[] = []
  let sequence = 0
  let basePath = ''
  let issuer = ''

  const keySet = (): { keys: object[] } => ({
    keys: [userKey().publicJwk, ciKey.publicJwk, ...extraKeys],
  })
  const discoveryDocument = (): Record<string, unknown> =>
    buildDiscoveryDocument(issuer, `${server.origin}${basePath}`)

  const server = await startIssuerServer({
    basePath: () => basePath,
    keySet,
    discoveryDocument,
    ready: userKeyReady,
  })
  issuer =
    typeof options.issuer === 'function'
      ? options.issuer(server.origin)
      : (options.issuer ?? server.origin)
  // GitLab's relative URL root: discovery and keys live under the issuer's path.
  basePath = URL.canParse(issuer) ? new URL(issuer).pathname.replace(/\/+$/, '') : ''
  const baseUrl = `${server.origin}${basePath}`

  const resolveKey = (
    key: MintOptions['key'] | MockSignOptions['key'],
  ): { kid: string; material: SigningMaterial } => {
    if (key === undefined || key === 'ci') return { kid: ciKey.kid, material: ciKey.privateKey }
    if (key === 'user') return { kid: userKey().kid, material: userKey().privateKey }
    if (typeof key === 'object' && 'publicJwk' in key)
      return { kid: key.kid, material: key.privateKey }
    return { kid: ciKey.kid, material: key }
  }

  const sign: MockGitlab['sign'] = (payload, signOptions = {}) => {
    const { kid, material } = resolveKey(signOptions.key)
    const header =
      typeof signOptions.header === 'string'
        ? signOptions.header
        : { kid, typ: 'JWT', alg: 'RS256', ...signOptions.header }
    return signJwt(payload, {
      header,
      key: material,
      ...(signOptions.algorithm === undefined ? {} : { algorithm: signOptions.algorithm }),
    })
  }

  const buildClaims: MockGitlab['buildClaims'] = (overrides = {}, buildOptions = {}) =>
    buildCiClaims(overrides, {
      issuer,
      now: buildOptions.now ?? clock(),
      expiresIn: buildOptions.expiresIn ?? defaultExpiresIn,
      audience,
      sequence: (sequence += 1),
    })

  const signClaims = (
    claims: Claims,
    mintOptions: MintOptions,
    fallbackKey: 'ci' | 'user',
  ): string =>
    sign(claims, {
      key: mintOptions.key ?? fallbackKey,
      ...(mintOptions.header === undefined ? {} : { header: mintOptions.header }),
    })

  const gitlab: MockGitlab = {
    url: server.origin,
    issuer,
    discoveryUrl: `${baseUrl}/.well-known/openid-configuration`,
    jwksUri: `${baseUrl}/oauth/discovery/keys`,
    get ciKey() {
      return ciKey
    },
    get userKey() {
      return userKey()
    },
    oauthClientId: oauthClientId(MOCK_OAUTH_APPLICATION),
    get keySet() {
      return keySet()
    },
    requests: server.requests,
    buildClaims,
    mint: (overrides = {}, mintOptions = {}) =>
      signClaims(buildClaims(overrides, mintOptions), mintOptions, 'ci'),
    mintUserToken: (overrides = {}, mintOptions = {}) =>
      signClaims(
        buildUserClaims(overrides, {
          issuer,
          now: mintOptions.now ?? clock(),
          ...(mintOptions.expiresIn === undefined ? {} : { expiresIn: mintOptions.expiresIn }),
        }),
        mintOptions,
        'user',
      ),
    mintForJob: (ciYaml, jobName, context = {}) => {
      const jobSequence = (sequence += 1)
      return mintTokensForJob(ciYaml, jobName, context, {
        issuer,
        build: (overrides, now, expiresIn) =>
          buildCiClaims(overrides, {
            issuer,
            now: now ?? clock(),
            expiresIn: expiresIn ?? defaultExpiresIn,
            audience,
            sequence: jobSequence,
          }),
        sign: (claims) => sign(claims),
      })
    },
    sign,
    rotateKey: (next) => {
      ciKey = next ?? takeSigningKeySync()
      return ciKey
    },
    publishKeys: (keys) => {
      extraKeys = [...extraKeys, ...keys]
    },
    unpublishKeys: () => {
      extraKeys = []
    },
    setKeySetResponse: server.setKeySetResponse,
    setDiscoveryResponse: server.setDiscoveryResponse,
    discoveryDocument,
    nextRequest: server.nextRequest,
    resetRequests: server.resetRequests,
    close: server.close,
  }
  return gitlab
}
