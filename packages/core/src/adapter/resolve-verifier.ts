/**
 * Turning an adapter's options into the one verifier it calls, at construction.
 *
 * @module
 */

import { availableParallelism } from 'node:os'
import { GitlabIdTokenError } from '../errors.js'
import type { GatewayAssertionVerifierOptions } from '../gateway-assertion.js'
import { loadOptionsFromEnv } from '../load-options-from-env.js'
import type { Verifier, VerifierOptions } from '../types.js'
import { createVerifier } from '../verifier.js'

/**
 * Reuse one already-built verifier (and so one key cache) across routers, apps and adapters.
 *
 * @example
 * ```ts
 * const shared: SharedVerifier = { verifier: createVerifier(options) }
 * ```
 */
export interface SharedVerifier {
  /** From `createVerifier()`; the adapters call only its `verify` (a wrapper of it will do). */
  readonly verifier: Pick<Verifier, 'verify'>
}

/**
 * Reads the compact token from a framework request. Return `undefined` (or `''`) when there is
 * none: that is answered like a missing header (`ERR_TOKEN_MISSING`, 401, bare challenge).
 *
 * @example
 * ```ts
 * const fromHeader: TokenGetter<IncomingMessage> = (req) => req.headers['job-token'] as string | undefined
 * ```
 */
export type TokenGetter<Req> = (req: Req) => string | undefined | Promise<string | undefined>

/**
 * What the adapters add to the verifier's options. Never passed to `createVerifier`.
 *
 * @example
 * ```ts
 * verifyGitlabIdToken({ verifier, optional: true, getToken: (req) => req.get('x-gitlab-token') })
 * ```
 */
export interface AdapterOnlyOptions<Req> {
  /** Reads the token from somewhere other than `Authorization: Bearer`. Default: that header. */
  readonly getToken?: TokenGetter<Req> | undefined
  /**
   * `true`: a request without a credential continues with nothing verified (express-jwt's
   * `credentialsRequired: false`, koa-jwt's `passthrough`). A credential that fails is still
   * refused, so a bad token never downgrades to "anonymous". Default `false`.
   */
  readonly optional?: boolean | undefined
  /**
   * Behind `@gitlab-id-token/gateway`: verify the gateway's signed assertion header instead of
   * the CI token (`{ jwksUri | jwks, issuer, header? = 'x-gitlab-assertion', audience? }`), and
   * expose it as `gitlabGatewayAssertion`. Given alone: the gateway verified the token.
   */
  readonly requireGatewayAssertion?: GatewayAssertionVerifierOptions | undefined
}

type NoVerifierOptions = { readonly [K in keyof VerifierOptions]?: undefined }

/**
 * What every adapter's `verifyGitlabIdToken(options?)` accepts:
 *
 * - the core's {@link VerifierOptions} (a verifier is built once, at construction);
 * - or `{ verifier }` to share one;
 * - or neither (`undefined`, `{}`, or only adapter options): options come from
 *   `loadOptionsFromEnv(process.env)` at construction, so a missing variable fails at startup.
 *
 * Plus {@link AdapterOnlyOptions}. Verifier options without `audience` (`{ policy }`,
 * `{ replay }`…) are refused rather than silently replaced by the environment.
 *
 * @example
 * ```ts
 * verifyGitlabIdToken({ verifier, getToken: (req) => req.headers['x-gitlab-token'] as string })
 * ```
 */
export type AdapterOptions<Req> = (
  | (VerifierOptions & { readonly verifier?: undefined })
  | (SharedVerifier & NoVerifierOptions)
  | ({ readonly verifier?: undefined } & NoVerifierOptions)
) &
  AdapterOnlyOptions<Req>

const ADAPTER_KEYS: ReadonlySet<string> = new Set([
  'getToken',
  'optional',
  'requireGatewayAssertion',
])

function invalid(message: string): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_INVALID_CONFIG', message)
}

function isVerifier(value: unknown): value is Pick<Verifier, 'verify'> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>).verify === 'function'
  )
}

/**
 * The adapters' defaults on top of the core's: `crypto: 'auto'` where a second core can take
 * RSA work off the event loop (the core's own default stays `'sync'`).
 */
function withAdapterDefaults(options: VerifierOptions): VerifierOptions {
  if ('crypto' in options || availableParallelism() < 2) return options
  return { ...options, crypto: 'auto' }
}

/**
 * Turns adapter options into one {@link Verifier}: the shared one, one built from the options, or
 * one built from the environment. Runs at construction, never per request, so configuration
 * errors (`ERR_INVALID_CONFIG`, naming the option or variable) surface at startup.
 *
 * @param options - see {@link AdapterOptions}; adapter-only keys are left out of the verifier's.
 * @param env - the environment to read when no verifier options are given. Default
 *   `process.env`, read only then.
 * @example
 * ```ts
 * const verifier = resolveVerifier(options) // throws ERR_INVALID_CONFIG at startup
 * ```
 */
export function resolveVerifier(
  options?: AdapterOptions<never>,
  env?: Readonly<Record<string, string | undefined>>,
): Pick<Verifier, 'verify'> {
  if (options === undefined)
    return createVerifier(withAdapterDefaults(loadOptionsFromEnv(env ?? process.env)))
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object')
  if (options.requireGatewayAssertion !== undefined) {
    // Building a token verifier here would read GITLAB_ID_TOKEN_* for a check that never runs.
    throw invalid('"requireGatewayAssertion" is checked by createRequestAssertionVerifier()')
  }
  const verifierOptions: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) {
    if (!ADAPTER_KEYS.has(key) && key !== 'verifier' && value !== undefined) {
      verifierOptions[key] = value
    }
  }
  const given = Object.keys(verifierOptions)
  const shared = (options as { readonly verifier?: unknown }).verifier
  if (shared !== undefined) {
    if (given.length > 0) {
      throw invalid(
        `pass either { verifier } or verifier options such as "${given[0]}", not both: ` +
          'a shared verifier keeps the options it was created with',
      )
    }
    if (!isVerifier(shared)) throw invalid('"verifier" must come from createVerifier()')
    return shared
  }
  if (given.length === 0) {
    return createVerifier(withAdapterDefaults(loadOptionsFromEnv(env ?? process.env)))
  }
  if (verifierOptions.audience === undefined) {
    // Falling back to GITLAB_ID_TOKEN_* here would drop the policy, replay or age limit the code
    // asked for, and nobody would notice.
    throw invalid(
      `options carry "${given[0]}" but no "audience": pass "audience" with them, or pass no ` +
        'verifier options at all to read GITLAB_ID_TOKEN_* variables',
    )
  }
  return createVerifier(withAdapterDefaults(verifierOptions as unknown as VerifierOptions))
}
