/**
 * `createVerifier`: the whole check of a GitLab CI/CD ID token, in the order the README documents.
 *
 * @module
 */

import { performance } from 'node:perf_hooks'
import { attachIdentity, bindResult, emit } from './decision-events.js'
import { describeVerifier } from './describe-verifier.js'
import { isGitlabIdTokenError } from './errors.js'
import { explainToken } from './explain.js'
import { tokenIdentity } from './inspect-token.js'
import { KeyProvider } from './key-provider.js'
import { compilePolicy } from './policy.js'
import { rememberToken } from './replay-guard.js'
import { requestIdFrom } from './request-id.js'
import { resolveOptions } from './resolve-options.js'
import type { Verifier, VerifierOptions, VerifyContext, VerifyResult } from './types.js'
import type { VerifierInternals } from './verifier-internals.js'
import { createPipeline, type Trace, type Verified } from './verify-pipeline.js'

/**
 * Creates a verifier for GitLab CI/CD ID tokens. Create one per service and share it: it owns the
 * key-set cache and the verified-result cache. All options are validated here; a mistake throws
 * `ERR_INVALID_CONFIG` with a message saying what to change.
 *
 * `verify(token, context?)` checks, in order, each failure with its own code: size and shape
 * (`ERR_TOKEN_MALFORMED`), `alg` (`ERR_ALGORITHM_NOT_ALLOWED`), `iss` (`ERR_ISSUER_UNTRUSTED`),
 * the key (`ERR_KEY_NOT_FOUND`, `ERR_JWKS_UNAVAILABLE`), the signature (`ERR_SIGNATURE_INVALID`),
 * `aud` (`ERR_AUDIENCE_MISMATCH`), that it is a CI job token and not a GitLab user-login token
 * (`ERR_NOT_A_CI_TOKEN`), `exp`/`nbf`/`iat` (`ERR_TOKEN_EXPIRED`, `ERR_TOKEN_NOT_YET_VALID`,
 * `ERR_TOKEN_TOO_OLD`), the policy (`ERR_POLICY_DENIED`) and replay (`ERR_TOKEN_REPLAYED`,
 * `ERR_REPLAY_UNAVAILABLE`). Every refusal carries typed `details` with the token's identity
 * (marked unverified until the signature verified) and the call's `requestId`; `onDecision` sees
 * one event per call.
 *
 * Defaults: `issuer` `'https://gitlab.com'`, `algorithms` `['RS256']`, `clockTolerance` 30 s,
 * `maxTokenLength` 32768 bytes, `jwks` `{ cacheMaxAge: 600, cooldown: 5, timeout: 5,
 * maxStale: 86400 }`, `cache` `{ max: 1000 }`, `crypto` `'sync'`.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   audience: 'https://deploy.example.com',
 *   policy: {
 *     allow: [
 *       { name: 'prod-deploy', match: { project_id: '42', ref_protected: true, environment: 'production' }, grants: ['deploy:prod'] },
 *     ],
 *   },
 * })
 * await verifier.ready() // fail the readiness probe, not the first request
 * const { claims, grants, requestId } = await verifier.verify(token, { requestId: req.id })
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const settings = resolveOptions(options)
  const policy = compilePolicy(settings.policy, {
    ...(settings.allowAnyProject === undefined
      ? {}
      : { allowAnyProject: settings.allowAnyProject }),
    ...(options.allowAnyProjectOnSharedInstance === undefined
      ? {}
      : { allowAnyProjectOnSharedInstance: options.allowAnyProjectOnSharedInstance }),
    issuers: [...settings.issuers.keys()],
  })
  const providers = new Map<string, KeyProvider>()
  for (const [issuer, config] of settings.issuers) {
    providers.set(issuer, new KeyProvider(config, settings))
  }
  const pipeline = createPipeline(settings, providers, policy)
  const internals: VerifierInternals = {
    settings,
    providers,
    policy,
    options,
    decode: pipeline.decode,
    checkHeader: pipeline.checkHeader,
  }
  const { replay, onDecision } = settings

  function allow(verified: Verified, requestId: string, trace: Trace, call: Call): VerifyResult {
    const result: VerifyResult = Object.freeze({
      claims: verified.claims,
      grants: verified.grants,
      rules: verified.rules,
      issuer: verified.issuer,
      expiresAt: new Date(verified.expiresAtMs),
      reasons: verified.reasons,
      requestId,
    })
    if (onDecision !== undefined) {
      bindResult(result, onDecision, call.request, trace.cached)
      emit(
        onDecision,
        {
          outcome: 'allowed',
          rules: result.rules,
          grants: result.grants,
          reasons: result.reasons,
          identity: tokenIdentity(verified.claims as unknown as Record<string, unknown>, true),
          issuer: result.issuer,
          durationMs: performance.now() - call.started,
          cached: trace.cached,
          requestId,
          stage: 'verify',
        },
        call.request,
      )
    }
    return result
  }

  function refuse(thrown: unknown, requestId: string, trace: Trace, call: Call): Error {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown))
    const ours = isGitlabIdTokenError(error)
    const identity =
      trace.payload === undefined
        ? { verified: false }
        : tokenIdentity(trace.payload, trace.verified)
    if (ours) {
      attachIdentity(error, identity)
      error.requestId = requestId
    }
    if (onDecision !== undefined) {
      const details = ours ? (error.details as { reasons?: VerifyResult['reasons'] }) : undefined
      emit(
        onDecision,
        {
          outcome: 'refused',
          status: ours ? error.status : 500,
          ...(ours ? { code: error.code } : {}),
          rules: [],
          grants: [],
          ...(details?.reasons === undefined ? {} : { reasons: details.reasons }),
          identity,
          ...(trace.verified ? { issuer: String(trace.payload?.iss) } : {}),
          durationMs: performance.now() - call.started,
          cached: trace.cached,
          requestId,
          stage: 'verify',
        },
        call.request,
      )
    }
    return error
  }

  function admit(
    verified: Verified,
    requestId: string,
    trace: Trace,
    call: Call,
  ): VerifyResult | Promise<VerifyResult> {
    const pending = replay === undefined ? undefined : rememberToken(replay, verified)
    return pending === undefined
      ? allow(verified, requestId, trace, call)
      : pending.then(() => allow(verified, requestId, trace, call))
  }

  function verify(token: unknown, context?: VerifyContext): Promise<VerifyResult> {
    const requestId = requestIdFrom(context?.requestId)
    const call: Call = {
      request: context?.request,
      started: onDecision === undefined ? 0 : performance.now(),
    }
    const trace: Trace = { payload: undefined, verified: false, cached: false }
    const fail = (error: unknown): never => {
      throw refuse(error, requestId, trace, call)
    }
    // Synchronous until a key fetch, a pool check or the store has to be awaited: a cached key
    // costs no extra tick.
    try {
      const verified = pipeline.run(token, trace)
      if (verified instanceof Promise) {
        return verified.then((done) => admit(done, requestId, trace, call)).catch(fail)
      }
      const admitted = admit(verified, requestId, trace, call)
      return admitted instanceof Promise ? admitted.catch(fail) : Promise.resolve(admitted)
    } catch (error) {
      return Promise.reject(refuse(error, requestId, trace, call))
    }
  }

  return Object.freeze({
    verify,
    async ready(): Promise<void> {
      await Promise.all([...providers.values()].map((provider) => provider.ready()))
    },
    health: () => [...providers.values()].map((provider) => provider.health()),
    describe: () => describeVerifier(settings),
    explain: (token: unknown, explainOptions?: Parameters<typeof explainToken>[2]) =>
      explainToken(token, internals, explainOptions),
  })
}

interface Call {
  readonly request: unknown
  readonly started: number
}
