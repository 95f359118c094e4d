/**
 * The benchmark's own token factory: an RSA-2048 key, its JWKS and GitLab-shaped ID tokens.
 *
 * Written on node:crypto directly (not @gitlab-id-token/testing) so the bench controls the exact
 * claim set and size, and can mint thousands of distinct tokens quickly in the parent process.
 */

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
} from 'node:crypto'
import type { KeyObject } from 'node:crypto'

/** A public JWK as GitLab publishes it (`kty`, `kid`, `e`, `n`, `use`, `alg`). */
export interface PublicJwk {
  readonly kty: 'RSA'
  readonly kid: string
  readonly e: string
  readonly n: string
  readonly use: 'sig'
  readonly alg: 'RS256'
}

export interface SigningKey {
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  readonly privatePem: string
  readonly publicPem: string
  readonly kid: string
  readonly jwk: PublicJwk
}

export const AUDIENCE = 'https://my-service.example'
export const PROJECT_ID = '56004559'
export const PROJECT_PATH = 'my-group/my-project'

/** RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order. */
function thumbprint(e: string, n: string): string {
  return createHash('sha256').update(`{"e":"${e}","kty":"RSA","n":"${n}"}`).digest('base64url')
}

function fromPrivateKey(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey)
  const exported = publicKey.export({ format: 'jwk' })
  const e = String(exported.e)
  const n = String(exported.n)
  const kid = thumbprint(e, n)
  return {
    privateKey,
    publicKey,
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    kid,
    jwk: { kty: 'RSA', kid, e, n, use: 'sig', alg: 'RS256' },
  }
}

/** A fresh RSA-2048 key (GitLab's CI signing key size). */
export function createSigningKey(): SigningKey {
  return fromPrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)
}

/** Rebuilds a key handed to a child process as PEM. */
export function signingKeyFromPem(privatePem: string): SigningKey {
  return fromPrivateKey(createPrivateKey(privatePem))
}

/**
 * The 34-claim payload of a gitlab.com job (27 GitLab claims + 7 registered), as in the ecosystem
 * survey's common.mjs. `i` makes the token distinct (job, pipeline and jti differ).
 */
export function gitlabClaims(
  i: number,
  iss: string,
  nowSeconds: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const jobId = String(7_446_098_166 + i)
  const pipelineId = String(1_391_152_406 + Math.floor(i / 4))
  const sha = createHash('sha1')
    .update(`commit-${Math.floor(i / 16)}`)
    .digest('hex')
  return {
    namespace_id: '84329880',
    namespace_path: 'my-group',
    project_id: PROJECT_ID,
    project_path: PROJECT_PATH,
    user_id: '20558032',
    user_login: 'jdoe',
    user_email: 'jdoe@example.com',
    user_access_level: 'maintainer',
    user_identities: [{ provider: 'github', extern_uid: '1234567' }],
    groups_direct: ['my-group', 'my-group/platform'],
    pipeline_id: pipelineId,
    pipeline_source: 'push',
    job_id: jobId,
    ref: 'main',
    ref_type: 'branch',
    ref_path: 'refs/heads/main',
    ref_protected: 'true',
    runner_id: 12_270_852,
    runner_environment: 'gitlab-hosted',
    sha,
    project_visibility: 'private',
    ci_config_ref_uri: `gitlab.com/${PROJECT_PATH}//.gitlab-ci.yml@refs/heads/main`,
    ci_config_sha: sha,
    job_project_id: PROJECT_ID,
    job_project_path: PROJECT_PATH,
    job_namespace_id: '84329880',
    job_namespace_path: 'my-group',
    jti: `3a8b958c-0117-4d61-8d84-${(i + 0x90b186ef).toString(16).padStart(12, '0')}`,
    iat: nowSeconds,
    nbf: nowSeconds - 5,
    exp: nowSeconds + 3600,
    iss,
    sub: `project_path:${PROJECT_PATH}:ref_type:branch:ref:main`,
    aud: AUDIENCE,
    ...overrides,
  }
}

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** Signs `claims` as a compact RS256 JWS with GitLab's header member order. */
export function mintToken(key: SigningKey, claims: Record<string, unknown>): string {
  const input = `${b64json({ kid: key.kid, typ: 'JWT', alg: 'RS256' })}.${b64json(claims)}`
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`
}

/** Flips one bit of the signature: same header and claims, invalid signature. */
export function tamperSignature(token: string): string {
  const dot = token.lastIndexOf('.')
  const sig = Buffer.from(token.slice(dot + 1), 'base64url')
  sig[10] = (sig[10] ?? 0) ^ 0x01
  return `${token.slice(0, dot)}.${sig.toString('base64url')}`
}

/** Changes `project_id` in the payload and keeps the original signature. */
export function tamperPayload(token: string): string {
  const [header = '', payload = '', sig = ''] = token.split('.')
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
  claims.project_id = '1'
  return `${header}.${b64json(claims)}.${sig}`
}
