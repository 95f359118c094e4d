/**
 * Claims of a GitLab *user-login* OIDC id_token (an OAuth application's "Sign in with GitLab"),
 * which shares `iss` and the key set with CI/CD ID tokens: the classic confusion to test against.
 *
 * Shape from `config/initializers/doorkeeper_openid_connect.rb` (newest) and
 * doorkeeper-openid_connect's `IdToken#claims`: `iss sub aud exp iat auth_time` plus every claim
 * current GitLab declares with `response: [:id_token, …]`: `sub_legacy`, `name`, `nickname`,
 * `preferred_username`, `email`, `email_verified`, `website` (only when the user set one:
 * `as_json` drops nil and `""`), `profile`, `picture`, `groups_direct`. Older GitLab served the
 * profile claims from `/oauth/userinfo` only; delete them with `undefined` overrides to model it.
 * `groups` and the `https://gitlab.org/claims/groups/*` claims stay userinfo-only. gitlab.com
 * signs these with an RSA-4096 key (the mock does so when its instance is `https://gitlab.com`).
 *
 * @module
 */

import { createHash } from 'node:crypto'

import { applyOverrides, stableId } from './claim-helpers.js'
import type { ClaimOverrides, Claims } from './claim-helpers.js'

/** Context of {@link buildUserClaims}. */
export interface UserClaimsContext {
  /** `Gitlab.config.gitlab.url`, the instance URL: never `ci_id_tokens.issuer_url`. */
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
 * calls `.to_s`), `aud` an OAuth client ID, no `project_*`/`job_*`/`pipeline_*` claims, and the
 * profile claims of current GitLab derived from `nickname` (the username). Pass `website` to add
 * it. Overrides follow the same rules as for CI tokens (`undefined` deletes).
 *
 * @example
 * ```ts
 * const claims = buildUserClaims({ nickname: 'jdoe' }, { issuer: 'https://gitlab.com', now: Date.now() })
 * claims.profile // 'https://gitlab.com/jdoe'
 * ```
 */
export function buildUserClaims(overrides: ClaimOverrides, context: UserClaimsContext): Claims {
  const login = typeof overrides.nickname === 'string' ? overrides.nickname : 'jdoe'
  const userId = typeof overrides.sub === 'string' ? overrides.sub : stableId('user', login)
  const email = `${login}@example.com`
  const iat = Math.floor(context.now / 1000)
  const root = context.issuer.replace(/\/+$/, '')
  const derived: Claims = {
    iss: context.issuer,
    sub: userId,
    aud: oauthClientId(context.application ?? 'gitlab-id-token-mock'),
    exp: iat + (context.expiresIn ?? 120),
    iat,
    auth_time: iat - 600,
    sub_legacy: createHash('sha256').update(`${userId}-mock-secret-key-base`).digest('hex'),
    name: login,
    nickname: login,
    preferred_username: login,
    email,
    email_verified: true,
    ...(typeof overrides.website === 'string' && overrides.website !== ''
      ? { website: overrides.website }
      : {}),
    profile: `${root}/${login}`,
    // `User#avatar_url` without an upload: Gravatar, keyed by the SHA-256 of the email.
    picture: `https://secure.gravatar.com/avatar/${createHash('sha256').update(email).digest('hex')}?s=80&d=identicon`,
    groups_direct: ['my-group'],
  }
  return applyOverrides(derived, overrides)
}
