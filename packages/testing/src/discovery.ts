/**
 * The OpenID Provider configuration GitLab serves at `/.well-known/openid-configuration`:
 * doorkeeper-openid_connect's `provider_response` plus the claims GitLab's `JwksController` adds.
 *
 * @module
 */

/**
 * `claims_supported`: doorkeeper's registered claims, GitLab's configured user claims, then the
 * CI claims GitLab appends (`%w[project_path ci_config_ref_uri ref_path sha environment jti]`).
 */
export const CLAIMS_SUPPORTED: readonly string[] = Object.freeze([
  'iss', 'sub', 'aud', 'exp', 'iat', 'sub_legacy', 'name', 'nickname', 'preferred_username',
  'email', 'email_verified', 'website', 'profile', 'picture', 'groups', 'groups_direct',
  'https://gitlab.org/claims/groups/owner', 'https://gitlab.org/claims/groups/maintainer',
  'https://gitlab.org/claims/groups/developer',
  'project_path', 'ci_config_ref_uri', 'ref_path', 'sha', 'environment', 'jti',
]) // prettier-ignore

/**
 * Builds the discovery document. `baseUrl` is where the endpoints live (the mock server plus any
 * relative URL root); `issuer` is what the document claims.
 *
 * @example
 * ```ts
 * buildDiscoveryDocument('http://127.0.0.1:4000', 'http://127.0.0.1:4000').jwks_uri
 * // 'http://127.0.0.1:4000/oauth/discovery/keys'
 * ```
 */
export function buildDiscoveryDocument(issuer: string, baseUrl: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${baseUrl}/oauth/authorize`,
    token_endpoint: `${baseUrl}/oauth/token`,
    revocation_endpoint: `${baseUrl}/oauth/revoke`,
    introspection_endpoint: `${baseUrl}/oauth/introspect`,
    userinfo_endpoint: `${baseUrl}/oauth/userinfo`,
    jwks_uri: `${baseUrl}/oauth/discovery/keys`,
    scopes_supported: [
      'api',
      'read_api',
      'read_user',
      'read_repository',
      'openid',
      'profile',
      'email',
    ],
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    grant_types_supported: [
      'authorization_code',
      'password',
      'client_credentials',
      'refresh_token',
    ],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claim_types_supported: ['normal'],
    claims_supported: [...CLAIMS_SUPPORTED],
    code_challenge_methods_supported: ['plain', 'S256'],
  }
}
