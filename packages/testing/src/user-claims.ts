/**
 * Claims of a GitLab *user-login* OIDC id_token (an OAuth application's "Sign in with GitLab"),
 * which shares `iss` and the key set with CI/CD ID tokens: the classic confusion to test against.
 *
 * Shape from `config/initializers/doorkeeper_openid_connect.rb` and doorkeeper-openid_connect's
 * `IdToken#claims`: `iss sub aud exp iat auth_time` plus the claims GitLab routes to the id_token
 * (`sub_legacy`, `email`, `email_verified`, `groups_direct`). `name`, `nickname`,
 * `preferred_username`, `profile`, `picture` and `groups` go to `/oauth/userinfo` only; pass them
 * as overrides to model a verifier that merges the two.
 *
 * @module
 */

import { createHash } from 'node:crypto'

import { applyOverrides, stableId } from './claims-builder.js'
import type { ClaimOverrides, Claims } from './claims-builder.js'

/** Context of {@link buildUserClaims}. */
export interface UserClaimsContext {
  readonly issuer: string
  /** Milliseconds since the epoch. */
  readonly now: number
  /** `exp - iat`. Default `120`, GitLab's `openid_id_token_expire_in_seconds`. */
  readonly expiresIn?: number
  /** Name the default `aud` ({@link oauthClientId}) is derived from. Default `'gitlab-id-token-mock'`. */
  readonly application?: string
}

/**
 * A deterministic 64-hex-character OAuth `client_id`, the form Doorkeeper gives GitLab
 * applications; it is the `aud` of a user id_token.
 *
 * @example
 * ```ts
 * oauthClientId('my-app') // '1f0c…' (64 hex characters)
 * ```
 */
export function oauthClientId(name: string): string {
  return createHash('sha256').update(`oauth-application:${name}`).digest('hex')
}

/**
 * Builds a user-login id_token claim set: `sub` is the numeric user ID as a string (doorkeeper
 * calls `.to_s`), `aud` an OAuth client ID, no `project_*`/`job_*`/`pipeline_*` claims.
 * Overrides follow the same rules as for CI tokens (`undefined` deletes).
 *
 * @example
 * ```ts
 * buildUserClaims({ nickname: 'jdoe' }, { issuer: 'https://gitlab.com', now: Date.now() }).sub // '20558032'-like
 * ```
 */
export function buildUserClaims(overrides: ClaimOverrides, context: UserClaimsContext): Claims {
  const login = typeof overrides.nickname === 'string' ? overrides.nickname : 'jdoe'
  const userId = typeof overrides.sub === 'string' ? overrides.sub : stableId('user', login)
  const iat = Math.floor(context.now / 1000)
  const derived: Claims = {
    iss: context.issuer,
    sub: userId,
    aud: oauthClientId(context.application ?? 'gitlab-id-token-mock'),
    exp: iat + (context.expiresIn ?? 120),
    iat,
    auth_time: iat - 600,
    sub_legacy: createHash('sha256').update(`${userId}-mock-secret-key-base`).digest('hex'),
    email: `${login}@example.com`,
    email_verified: true,
    groups_direct: ['my-group'],
  }
  return applyOverrides(derived, overrides)
}
