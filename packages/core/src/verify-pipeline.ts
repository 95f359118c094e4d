/**
 * The checks of one `verify()` call, in the documented order, synchronous until a key fetch or a
 * threadpool signature check has to be awaited.
 *
 * @module
 */

import type { AlgorithmSpec } from './algorithms.js'
import { checkAudience, checkCiToken, checkTime } from './claim-checks.js'
import type { GitlabIdTokenClaims } from './claims.js'
import { createSignatureCheck } from './crypto-mode.js'
import { decodeToken, type DecodedToken } from './decode.js'
import { GitlabIdTokenError } from './errors.js'
import type { KeyProvider } from './key-provider.js'
import type { KeyEntry } from './key-set.js'
import type { CompiledPolicy } from './policy.js'
import type { RuleReason } from './policy-types.js'
import type { ResolvedOptions } from './resolve-options.js'
import { ResultCache } from './result-cache.js'

/**
 * A verified token kept for reuse: everything but the per-use time and replay checks.
 *
 * @example
 * ```ts
 * const verified: Verified = await pipeline.run(token, trace)
 * ```
 */
export interface Verified {
  readonly claims: GitlabIdTokenClaims
  readonly grants: readonly string[]
  readonly rules: readonly string[]
  readonly reasons: readonly RuleReason[]
  readonly issuer: string
  readonly expiresAtMs: number
  /** The replay key may be forgotten after this: `exp` plus the clock tolerance. */
  readonly rememberUntilMs: number
  readonly provider: KeyProvider
  readonly key: KeyEntry
}

/**
 * What one call got as far as, for the refusal's identity and the decision event.
 *
 * @example
 * ```ts
 * const trace: Trace = { payload: undefined, verified: false, cached: false }
 * ```
 */
export interface Trace {
  payload: Readonly<Record<string, unknown>> | undefined
  verified: boolean
  cached: boolean
}

/**
 * The verifier's checks, bound to its settings.
 *
 * @example
 * ```ts
 * const pipeline = createPipeline(settings, providers, policy)
 * const verified = await pipeline.run(token, { payload: undefined, verified: false, cached: false })
 * ```
 */
export interface Pipeline {
  readonly run: (token: unknown, trace: Trace) => Verified | Promise<Verified>
  readonly decode: (token: unknown) => DecodedToken
  readonly checkHeader: (header: Readonly<Record<string, unknown>>) => AlgorithmSpec
}

function deepFreeze<T extends object>(value: T): T {
  for (const key in value) {
    const member: unknown = value[key]
    if (typeof member === 'object' && member !== null) deepFreeze(member)
  }
  return Object.freeze(value)
}

const knownKids = (provider: KeyProvider): readonly string[] => provider.health().kids

// Details end up in logs: a 30 KiB junk kid is summarised, not copied.
const clip = (value: unknown): unknown =>
  typeof value === 'string' && value.length > 256
    ? `${value.slice(0, 32)}… (${value.length} characters)`
    : value

/**
 * Binds the checks to one verifier's settings, key providers and compiled policy.
 *
 * @example
 * ```ts
 * const { run } = createPipeline(settings, providers, compilePolicy(policy))
 * ```
 */
export function createPipeline(
  settings: ResolvedOptions,
  providers: ReadonlyMap<string, KeyProvider>,
  policy: CompiledPolicy,
): Pipeline {
  const { now, algorithms, maxTokenLength } = settings
  const cache =
    settings.resultCacheMax > 0 ? new ResultCache<Verified>(settings.resultCacheMax) : undefined
  const checkSignature = createSignatureCheck(settings.crypto)
  const trusted = [...providers.keys()]
  const allowed = [...algorithms.keys()]

  // RFC 7515 §4.1.11: an extension we do not understand in `crit` makes the JWS invalid; we
  // understand none. RFC 7797 `b64: false` changes what the signature covers, so it is refused too.
  function checkHeader(header: Readonly<Record<string, unknown>>): AlgorithmSpec {
    const alg = header.alg
    const spec = typeof alg === 'string' ? algorithms.get(alg) : undefined
    if (spec === undefined) {
      throw new GitlabIdTokenError('ERR_ALGORITHM_NOT_ALLOWED', 'alg is not an allowed algorithm', {
        details: { received: alg, allowed },
      })
    }
    if (header.crit !== undefined) {
      throw new GitlabIdTokenError('ERR_TOKEN_MALFORMED', 'unsupported crit header parameter', {
        details: { part: 'header', reason: 'crit is not supported' },
      })
    }
    if (header.b64 !== undefined && header.b64 !== true) {
      throw new GitlabIdTokenError('ERR_TOKEN_MALFORMED', 'unsupported b64 header parameter', {
        details: { part: 'header', reason: 'b64 must be absent or true' },
      })
    }
    return spec
  }

  const decode = (token: unknown): DecodedToken => decodeToken(token, maxTokenLength)

  function complete(
    token: string,
    decoded: DecodedToken,
    provider: KeyProvider,
    key: KeyEntry,
    trace: Trace,
  ): Verified {
    trace.verified = true
    const payload = decoded.payload
    checkAudience(payload.aud, settings.audiences)
    checkCiToken(payload)
    checkTime(payload, now() / 1000, settings)
    const claims = deepFreeze(payload) as unknown as GitlabIdTokenClaims
    const decision = policy.decide(claims)
    if (!decision.allowed) {
      const { deniedBy, reasons } = decision
      throw new GitlabIdTokenError('ERR_POLICY_DENIED', 'denied by policy', {
        details: deniedBy === undefined ? { reasons } : { deniedBy, reasons },
      })
    }
    const expiresAtMs = claims.exp * 1000
    const verified: Verified = {
      claims,
      grants: decision.grants,
      rules: decision.rules,
      reasons: decision.reasons,
      issuer: claims.iss,
      expiresAtMs,
      rememberUntilMs: expiresAtMs + settings.clockTolerance * 1000,
      provider,
      key,
    }
    cache?.offer(token, verified, expiresAtMs - now())
    return verified
  }

  function signed(
    token: string,
    decoded: DecodedToken,
    spec: AlgorithmSpec,
    provider: KeyProvider,
    keys: readonly KeyEntry[],
    trace: Trace,
  ): Verified | Promise<Verified> {
    const key = checkSignature(decoded, spec, keys)
    return key instanceof Promise
      ? key.then((found) => complete(token, decoded, provider, found, trace))
      : complete(token, decoded, provider, key, trace)
  }

  function fromCache(token: string, trace: Trace): Verified | undefined {
    const hit = cache?.get(token)
    if (hit === undefined) return undefined
    if (!hit.provider.holds(hit.key)) {
      cache?.delete(token)
      return undefined
    }
    trace.payload = hit.claims as unknown as Readonly<Record<string, unknown>>
    trace.verified = true
    trace.cached = true
    checkTime(trace.payload, now() / 1000, settings)
    return hit
  }

  function run(token: unknown, trace: Trace): Verified | Promise<Verified> {
    if (cache !== undefined && typeof token === 'string' && token.length <= maxTokenLength) {
      const hit = fromCache(token, trace)
      if (hit !== undefined) return hit
    }
    const decoded = decode(token)
    trace.payload = decoded.payload
    const spec = checkHeader(decoded.header)
    const iss = decoded.payload.iss
    const provider = typeof iss === 'string' ? providers.get(iss) : undefined
    if (provider === undefined) {
      throw new GitlabIdTokenError('ERR_ISSUER_UNTRUSTED', 'iss is not a trusted issuer', {
        details: { received: iss, trusted },
      })
    }
    const kid = decoded.header.kid
    // A kid is a short thumbprint; anything long is refused before it reaches the key cache.
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) {
      throw new GitlabIdTokenError('ERR_KEY_NOT_FOUND', 'kid missing or invalid', {
        details: { kid: clip(kid), knownKids: knownKids(provider), issuer: iss as string },
      })
    }
    const keys = provider.resolve(kid)
    const compact = token as string
    return keys instanceof Promise
      ? keys.then((resolved) => signed(compact, decoded, spec, provider, resolved, trace))
      : signed(compact, decoded, spec, provider, keys, trace)
  }

  return { run, decode, checkHeader }
}
