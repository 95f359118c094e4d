/**
 * The one error class every check throws, carrying a stable `code` and its HTTP shape.
 *
 * @module
 */

import type { DetailsOf } from './error-details.js'

/**
 * Every code a {@link GitlabIdTokenError} can carry. Codes are stable across releases: match on them,
 * never on messages.
 *
 * @example
 * ```ts
 * if (err.code === 'ERR_JWKS_UNAVAILABLE') metrics.increment('gitlab_jwks_down')
 * ```
 */
export type GitlabIdTokenErrorCode =
  | 'ERR_TOKEN_MISSING'
  | 'ERR_INVALID_REQUEST'
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_ALGORITHM_NOT_ALLOWED'
  | 'ERR_ISSUER_UNTRUSTED'
  | 'ERR_KEY_NOT_FOUND'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_AUDIENCE_MISMATCH'
  | 'ERR_NOT_A_CI_TOKEN'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_TOO_OLD'
  | 'ERR_TOKEN_REPLAYED'
  | 'ERR_POLICY_DENIED'
  | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_JWKS_UNAVAILABLE'
  | 'ERR_REPLAY_UNAVAILABLE'
  | 'ERR_INVALID_CONFIG'
  | 'ERR_ROUTE_NOT_FOUND'
  | 'ERR_GATEWAY_MISCONFIGURED'
  | 'ERR_ASSERTION_INVALID'

type Challenge = 'none' | 'invalid_request' | 'invalid_token' | 'insufficient_scope'

interface Shape {
  readonly status: 400 | 401 | 403 | 500 | 503
  readonly challenge: Challenge
  /** The client-facing `error_description`: names the failing check and nothing else. */
  readonly description: string
}

// RFC 6750 §3.1: invalid_request → 400, invalid_token → 401, insufficient_scope → 403, and a request
// with no credentials (or another scheme) gets a bare challenge with no `error` attribute.
const SHAPES: { readonly [C in GitlabIdTokenErrorCode]: Shape } = {
  ERR_TOKEN_MISSING: { status: 401, challenge: 'none', description: 'bearer token required' },
  ERR_INVALID_REQUEST: {
    status: 400,
    challenge: 'invalid_request',
    description: 'malformed Authorization header',
  },
  ERR_TOKEN_MALFORMED: { status: 401, challenge: 'invalid_token', description: 'malformed token' },
  ERR_ALGORITHM_NOT_ALLOWED: {
    status: 401,
    challenge: 'invalid_token',
    description: 'algorithm not allowed',
  },
  ERR_ISSUER_UNTRUSTED: {
    status: 401,
    challenge: 'invalid_token',
    description: 'untrusted issuer',
  },
  ERR_KEY_NOT_FOUND: {
    status: 401,
    challenge: 'invalid_token',
    description: 'unknown signing key',
  },
  ERR_SIGNATURE_INVALID: {
    status: 401,
    challenge: 'invalid_token',
    description: 'invalid signature',
  },
  ERR_AUDIENCE_MISMATCH: {
    status: 401,
    challenge: 'invalid_token',
    description: 'audience mismatch',
  },
  ERR_NOT_A_CI_TOKEN: {
    status: 401,
    challenge: 'invalid_token',
    description: 'not a GitLab CI/CD ID token',
  },
  ERR_TOKEN_EXPIRED: { status: 401, challenge: 'invalid_token', description: 'token expired' },
  ERR_TOKEN_NOT_YET_VALID: {
    status: 401,
    challenge: 'invalid_token',
    description: 'token not yet valid',
  },
  ERR_TOKEN_TOO_OLD: { status: 401, challenge: 'invalid_token', description: 'token too old' },
  ERR_TOKEN_REPLAYED: { status: 401, challenge: 'invalid_token', description: 'token replayed' },
  ERR_POLICY_DENIED: {
    status: 403,
    challenge: 'insufficient_scope',
    description: 'denied by policy',
  },
  ERR_INSUFFICIENT_SCOPE: {
    status: 403,
    challenge: 'insufficient_scope',
    description: 'required grant missing',
  },
  ERR_JWKS_UNAVAILABLE: {
    status: 503,
    challenge: 'none',
    description: 'signing keys unavailable',
  },
  // A full, slow or failing replay store is the server's condition, never the caller's fault.
  ERR_REPLAY_UNAVAILABLE: {
    status: 503,
    challenge: 'none',
    description: 'replay protection unavailable',
  },
  ERR_INVALID_CONFIG: { status: 500, challenge: 'none', description: 'server misconfigured' },
  // The gateway has no "allow unmatched": a request no route claims is refused.
  ERR_ROUTE_NOT_FOUND: { status: 403, challenge: 'none', description: 'no route for this request' },
  ERR_GATEWAY_MISCONFIGURED: {
    status: 500,
    challenge: 'none',
    description: 'gateway misconfigured',
  },
  ERR_ASSERTION_INVALID: {
    status: 401,
    challenge: 'invalid_token',
    description: 'invalid gateway assertion',
  },
}

/**
 * The realm in every `WWW-Authenticate` challenge (RFC 6750 §3).
 *
 * @example
 * ```ts
 * err.headers['WWW-Authenticate'] // 'Bearer realm="gitlab-id-token", error="invalid_token", …'
 * ```
 */
export const DEFAULT_REALM = 'gitlab-id-token'

/**
 * Options for {@link GitlabIdTokenError}.
 *
 * @example
 * ```ts
 * new GitlabIdTokenError('ERR_JWKS_UNAVAILABLE', 'key set unavailable', { cause, retryAfter: 10 })
 * ```
 */
export interface GitlabIdTokenErrorOptions<
  C extends GitlabIdTokenErrorCode = GitlabIdTokenErrorCode,
> {
  /** The underlying error, chained as the standard `cause`. */
  cause?: unknown
  /** Structured, server-side-only facts about the failure, shaped by the code ({@link DetailsOf}). */
  details?: DetailsOf<C> | undefined
  /** Seconds for `Retry-After` (only sent with 503). Default 30. */
  retryAfter?: number
}

/**
 * The error every verification step throws. It carries its HTTP answer, so Express's, Fastify's
 * and Koa's default error handlers already respond correctly:
 *
 * - `code`: a stable {@link GitlabIdTokenErrorCode} naming the failing check (for logs and metrics).
 * - `status` / `statusCode`: 400, 401, 403, 500 or 503.
 * - `headers`: `WWW-Authenticate` per RFC 6750 §3, plus `Retry-After` on 503.
 * - `expose`: whether `message` may be shown to the client. Token errors expose only a generic
 *   description of the failed check; 5xx errors never expose.
 * - `details`: structured server-side facts typed by the code ({@link DetailsOf}; narrow with
 *   `isGitlabIdTokenError(err, code)`), never part of `message`, `headers` or `toJSON()`.
 * - `requestId`: the correlation ID of the `verify()` call that refused, echoed as `request_id`.
 *
 * The `message` names the failing check and never contains the token or a claim value.
 *
 * @example
 * ```ts
 * try {
 *   await verifier.verify(token)
 * } catch (err) {
 *   if (isGitlabIdTokenError(err, 'ERR_POLICY_DENIED')) {
 *     log.warn({ code: err.code, reasons: err.details?.reasons }, 'deploy refused')
 *   }
 *   throw err
 * }
 * ```
 */
export class GitlabIdTokenError<
  C extends GitlabIdTokenErrorCode = GitlabIdTokenErrorCode,
> extends Error {
  override readonly name = 'GitlabIdTokenError'
  /** Stable, machine-readable reason. */
  readonly code: C
  /** The HTTP status a server should answer with. */
  readonly status: 400 | 401 | 403 | 500 | 503
  /** Whether `message` is safe to show to the client (Koa and Fastify read this). */
  readonly expose: boolean
  /** Response headers: `WWW-Authenticate`, and `Retry-After` on 503. */
  readonly headers: Readonly<Record<string, string>>
  /** Server-side-only structured facts about the failure. */
  readonly details: DetailsOf<C> | undefined
  /**
   * The correlation ID shown to the client as `request_id`: opaque, chosen by the verifier or the
   * framework, never derived from the token.
   */
  requestId?: string

  /**
   * @param code - the failing check.
   * @param message - for logs: names the check, never contains the token or claim values.
   */
  constructor(code: C, message?: string, options: GitlabIdTokenErrorOptions<C> = {}) {
    const shape = SHAPES[code]
    super(message ?? shape.description, options.cause === undefined ? {} : { cause: options.cause })
    this.code = code
    this.status = shape.status
    this.expose = shape.status < 500
    this.details = options.details
    this.headers = buildHeaders(shape, options.retryAfter)
  }

  /** Alias of `status`, read by Fastify and some Express error handlers. */
  get statusCode(): number {
    return this.status
  }

  /** The RFC 6750 `error` value, or `undefined` for a bare challenge or a 5xx. */
  get oauthError(): Exclude<Challenge, 'none'> | undefined {
    const challenge = SHAPES[this.code].challenge
    return challenge === 'none' ? undefined : challenge
  }

  /** The client-safe one-line description of the failed check (never the log message). */
  get description(): string {
    return SHAPES[this.code].description
  }

  /**
   * A JSON body clients can act on, with nothing a client did not send:
   * `{ error, error_description, code, request_id? }`.
   */
  toJSON(): {
    error: string
    error_description: string
    code: C
    request_id?: string
  } {
    const body = {
      error: this.oauthError ?? (this.status >= 500 ? 'server_error' : 'unauthorized'),
      error_description: this.description,
      code: this.code,
    }
    return this.requestId === undefined ? body : { ...body, request_id: this.requestId }
  }
}

function buildHeaders(shape: Shape, retryAfter = 30): Record<string, string> {
  if (shape.status === 500) return {}
  let challenge = `Bearer realm="${DEFAULT_REALM}"`
  if (shape.challenge !== 'none') {
    challenge += `, error="${shape.challenge}", error_description="${shape.description}"`
  }
  const headers: Record<string, string> = { 'WWW-Authenticate': challenge }
  if (shape.status === 503) headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfter)))
  return headers
}

/**
 * Whether `value` is a {@link GitlabIdTokenError}, optionally with the given code; with a code,
 * `details` narrows to that code's shape. Works across duplicated copies of the package (checks
 * the shape, not only the prototype).
 *
 * @example
 * ```ts
 * if (isGitlabIdTokenError(err, 'ERR_JWKS_UNAVAILABLE')) alertOnCall(err.details?.url)
 * ```
 */
export function isGitlabIdTokenError<C extends GitlabIdTokenErrorCode>(
  value: unknown,
  code: C,
): value is GitlabIdTokenError<C>
export function isGitlabIdTokenError(value: unknown): value is GitlabIdTokenError
export function isGitlabIdTokenError(
  value: unknown,
  code?: GitlabIdTokenErrorCode,
): value is GitlabIdTokenError {
  if (!(value instanceof Error) || value.name !== 'GitlabIdTokenError') return false
  return code === undefined || (value as GitlabIdTokenError).code === code
}
