/**
 * A real GitLab-shaped OIDC issuer on loopback: discovery, key set, token minting and fault modes.
 *
 * @module
 */

import { buildCiClaims } from './claims-builder.js'
import type { CiClaims, ClaimOverrides, ClaimProfile, Claims } from './claims-builder.js'
import { buildDiscoveryDocument } from './discovery.js'
import { startIssuerServer } from './issuer-server.js'
import { generateSigningKeyAsync, takeSigningKey, takeSigningKeySync } from './key-pair.js'
import type { SigningKey } from './key-pair.js'
import { tokenLifetime } from './lifetime.js'
import type { Timeouts } from './lifetime.js'
import { mintTokensForJob } from './mint-for-job.js'
import type { JobMintOptions } from './mint-for-job.js'
import type {
  MintOptions,
  MockGitlab,
  MockGitlabOptions,
  MockSignOptions,
} from './mock-gitlab-types.js'
import { signJwt } from './sign.js'
import type { SigningMaterial } from './sign.js'
import { buildUserClaims, oauthClientId } from './user-claims.js'

export type {
  MintOptions,
  MockGitlab,
  MockGitlabOptions,
  MockSignOptions,
} from './mock-gitlab-types.js'

const MOCK_OAUTH_APPLICATION = 'gitlab-id-token-mock'
const DEFAULT_AUDIENCE = 'https://relying-party.example.com'
const DEFAULT_PROJECT_TIMEOUT = 3600
const PROFILE_KEYS = [
  'gitlabVersion', 'configSource', 'ciConfigPath', 'featureFlags', 'subComponents',
  'jobTimeout', 'projectTimeout', 'runnerMaxTimeout',
] as const satisfies readonly (keyof MintOptions)[] // prettier-ignore

type Profile = ClaimProfile & Timeouts

function pickProfile(options: Profile): Profile {
  const picked: Record<string, unknown> = {}
  for (const key of PROFILE_KEYS) if (options[key] !== undefined) picked[key] = options[key]
  return picked
}

const resolveUrl = (value: string | ((origin: string) => string), origin: string): string =>
  typeof value === 'function' ? value(origin) : value

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
  // gitlab.com's openid_connect_signing_key is RSA-4096 (verified against a real id_token).
  const onGitlabCom =
    typeof options.instanceUrl === 'string' &&
    /^https:\/\/gitlab\.com\/?$/.test(options.instanceUrl)
  let userKeyValue = options.userKey
  const userKeyReady = (
    userKeyValue !== undefined
      ? Promise.resolve(userKeyValue)
      : onGitlabCom
        ? generateSigningKeyAsync({ modulusLength: 4096 })
        : takeSigningKey()
  ).then((key) => (userKeyValue ??= key))
  userKeyReady.catch(() => {})
  // A synchronous mint must not fall back to a 2048-bit key while the 4096-bit one is generated.
  if (onGitlabCom) await userKeyReady
  const userKey = (): SigningKey => (userKeyValue ??= takeSigningKeySync())
  const initialCiKey = options.ciKey ?? (await takeSigningKey())
  const clock = options.now ?? Date.now
  const audience = options.audience ?? DEFAULT_AUDIENCE
  const defaults: Profile = { projectTimeout: DEFAULT_PROJECT_TIMEOUT, ...pickProfile(options) }

  let ciKey = initialCiKey
  let extraKeys: object[] = []
  let sequence = 0
  let basePath = ''
  let issuer = ''
  let instanceUrl = ''

  const keySet = (): { keys: object[] } => ({
    keys: [userKey().publicJwk, ciKey.publicJwk, ...extraKeys],
  })
  const discoveryDocument = (): Record<string, unknown> =>
    buildDiscoveryDocument(instanceUrl, `${server.origin}${basePath}`)

  const server = await startIssuerServer({
    basePath: () => basePath,
    keySet,
    discoveryDocument,
    ready: userKeyReady,
    ...(options.port === undefined ? {} : { port: options.port }),
  })
  const given = options.issuer === undefined ? undefined : resolveUrl(options.issuer, server.origin)
  instanceUrl =
    options.instanceUrl === undefined
      ? (given ?? server.origin)
      : resolveUrl(options.instanceUrl, server.origin).replace(/\/+$/, '')
  issuer = given ?? instanceUrl
  // GitLab's relative URL root: discovery and keys live under the instance URL's path.
  basePath = URL.canParse(instanceUrl) ? new URL(instanceUrl).pathname.replace(/\/+$/, '') : ''
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

  const build = (
    overrides: ClaimOverrides,
    given: JobMintOptions,
    jobSequence: number,
  ): CiClaims => {
    const profile = { ...defaults, ...pickProfile(given) }
    return buildCiClaims(overrides, {
      ...profile,
      issuer,
      instanceUrl,
      now: given.now ?? clock(),
      expiresIn: given.expiresIn ?? options.expiresIn ?? tokenLifetime(profile),
      audience,
      sequence: jobSequence,
    })
  }
  const buildClaims: MockGitlab['buildClaims'] = (overrides = {}, buildOptions = {}) =>
    build(overrides, buildOptions, (sequence += 1))

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
    instanceUrl,
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
          issuer: instanceUrl,
          now: mintOptions.now ?? clock(),
          ...(mintOptions.expiresIn === undefined ? {} : { expiresIn: mintOptions.expiresIn }),
        }),
        mintOptions,
        'user',
      ),
    mintForJob: (ciYaml, jobName, context = {}) => {
      const jobSequence = (sequence += 1)
      return mintTokensForJob(ciYaml, jobName, context, {
        issuer: instanceUrl,
        build: (overrides, jobOptions) => build(overrides, jobOptions, jobSequence),
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
