/**
 * `createVerifier`: the whole check of a GitLab CI/CD ID token, in the order the README documents.
 *
 * @module
 */

import { verify as cryptoVerify } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { AlgorithmSpec } from './algorithms.js'
import { checkAudience, checkCiToken, checkTime } from './claim-checks.js'
import type { GitlabIdTokenClaims } from './claims.js'
import { decodeToken, type DecodedToken } from './decode.js'
import { GitlabIdTokenError } from './errors.js'
import { KeyProvider } from './key-provider.js'
import type { KeyEntry } from './key-set.js'
import { compilePolicy } from './policy.js'
import { resolveOptions } from './resolve-options.js'
import type { Verifier, VerifierOptions, VerifyResult } from './types.js'

/** A verified token kept for reuse: everything but the per-use time and replay checks. */
interface Verified {
  readonly claims: GitlabIdTokenClaims
  readonly grants: readonly string[]
  readonly rules: readonly string[]
  readonly issuer: string
  readonly expiresAtMs: number
  readonly provider: KeyProvider
  readonly key: KeyEntry
}

// RFC 7515 §4.1.11: an extension we do not understand in `crit` makes the JWS invalid; we
// understand none. RFC 7797 `b64: false` changes what the signature covers, so it is refused too.
function checkHeader(
  header: Readonly<Record<string, unknown>>,
  algorithms: ReadonlyMap<string, AlgorithmSpec>,
): AlgorithmSpec {
  const alg = header.alg
  const spec = typeof alg === 'string' ? algorithms.get(alg) : undefined
  if (spec === undefined) {
    throw new GitlabIdTokenError('ERR_ALGORITHM_NOT_ALLOWED', 'alg is not an allowed algorithm')
  }
  if (header.crit !== undefined) {
    throw new GitlabIdTokenError('ERR_TOKEN_MALFORMED', 'unsupported crit header parameter')
  }
  if (header.b64 !== undefined && header.b64 !== true) {
    throw new GitlabIdTokenError('ERR_TOKEN_MALFORMED', 'unsupported b64 header parameter')
  }
  return spec
}

function verifySignature(
  decoded: DecodedToken,
  spec: AlgorithmSpec,
  keys: readonly KeyEntry[],
): KeyEntry {
  const data = Buffer.from(decoded.signingInput, 'latin1')
  let compatible = false
  for (const key of keys) {
    const input = key.inputs.get(spec.name)
    if (input === undefined) continue
    compatible = true
    try {
      if (cryptoVerify(spec.hash, data, input, decoded.signature)) return key
    } catch {
      // A signature of the wrong length or encoding is simply not valid.
    }
  }
  if (!compatible) {
    throw new GitlabIdTokenError('ERR_KEY_NOT_FOUND', 'no key of this kid fits the algorithm')
  }
  throw new GitlabIdTokenError('ERR_SIGNATURE_INVALID', 'signature verification failed')
}

function deepFreeze<T extends object>(value: T): T {
  for (const key in value) {
    const member: unknown = value[key]
    if (typeof member === 'object' && member !== null) deepFreeze(member)
  }
  return Object.freeze(value)
}

/**
 * Creates a verifier for GitLab CI/CD ID tokens. Create one per service and share it: it owns the
 * key-set cache and the verified-result cache. All options are validated here; a mistake throws
 * `ERR_INVALID_CONFIG` with a message saying what to change.
 *
 * `verify(token)` checks, in order, each failure with its own code: size and shape
 * (`ERR_TOKEN_MALFORMED`), `alg` (`ERR_ALGORITHM_NOT_ALLOWED`), `iss` (`ERR_ISSUER_UNTRUSTED`),
 * the key (`ERR_KEY_NOT_FOUND`, `ERR_JWKS_UNAVAILABLE`), the signature (`ERR_SIGNATURE_INVALID`),
 * `aud` (`ERR_AUDIENCE_MISMATCH`), that it is a CI job token and not a GitLab user-login token
 * (`ERR_NOT_A_CI_TOKEN`), `exp`/`nbf`/`iat` (`ERR_TOKEN_EXPIRED`, `ERR_TOKEN_NOT_YET_VALID`,
 * `ERR_TOKEN_TOO_OLD`), the policy (`ERR_POLICY_DENIED`) and replay (`ERR_TOKEN_REPLAYED`).
 *
 * Defaults: `issuer` `'https://gitlab.com'`, `algorithms` `['RS256']`, `clockTolerance` 30 s,
 * `maxTokenLength` 32768 bytes, `jwks` `{ cacheMaxAge: 600, cooldown: 30, timeout: 5,
 * maxStale: 86400 }`, `cache` `{ max: 1000 }` (time and replay checks still run on every use).
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
 * const { claims, grants } = await verifier.verify(token)
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const settings = resolveOptions(options)
  if (options.policy === undefined) {
    throw new GitlabIdTokenError(
      'ERR_INVALID_CONFIG',
      '"policy" is required: say which projects may call this service',
    )
  }
  const policy = compilePolicy(options.policy, {
    allowAnyProject: options.allowAnyProject === true,
  })
  const providers = new Map<string, KeyProvider>()
  for (const [issuer, config] of settings.issuers) {
    providers.set(issuer, new KeyProvider(config, settings))
  }
  const cache =
    settings.resultCacheMax > 0
      ? new LRUCache<string, Verified>({ max: settings.resultCacheMax })
      : undefined
  const replay = options.replay?.store
  if (options.replay !== undefined && typeof replay?.remember !== 'function') {
    throw new GitlabIdTokenError(
      'ERR_INVALID_CONFIG',
      '"replay.store" must have remember(key, expiresAtMs), e.g. createMemoryReplayStore()',
    )
  }
  const { now, clockTolerance } = settings

  function admit(verified: Verified): VerifyResult | Promise<VerifyResult> {
    const result: VerifyResult = Object.freeze({
      claims: verified.claims,
      grants: verified.grants,
      rules: verified.rules,
      issuer: verified.issuer,
      expiresAt: new Date(verified.expiresAtMs),
    })
    if (replay === undefined) return result
    const jti = verified.claims.jti
    if (typeof jti !== 'string' || jti.length === 0) {
      throw new GitlabIdTokenError('ERR_TOKEN_MALFORMED', 'jti is required for replay protection')
    }
    const first = replay.remember(
      `${verified.issuer}\n${jti}`,
      verified.expiresAtMs + clockTolerance * 1000,
    )
    const decide = (fresh: boolean): VerifyResult => {
      if (!fresh) throw new GitlabIdTokenError('ERR_TOKEN_REPLAYED', 'jti already used')
      return result
    }
    return typeof first === 'boolean' ? decide(first) : Promise.resolve(first).then(decide)
  }

  function complete(
    token: string,
    decoded: DecodedToken,
    spec: AlgorithmSpec,
    provider: KeyProvider,
    keys: readonly KeyEntry[],
  ): VerifyResult | Promise<VerifyResult> {
    const key = verifySignature(decoded, spec, keys)
    const payload = decoded.payload
    checkAudience(payload.aud, settings.audiences)
    checkCiToken(payload)
    checkTime(payload, now() / 1000, settings)
    const claims = deepFreeze(payload) as unknown as GitlabIdTokenClaims
    const decision = policy.decide(claims)
    if (!decision.allowed) {
      throw new GitlabIdTokenError('ERR_POLICY_DENIED', 'denied by policy', {
        details: { deniedBy: decision.deniedBy, reasons: decision.reasons },
      })
    }
    const verified: Verified = {
      claims,
      grants: decision.grants,
      rules: decision.rules,
      issuer: claims.iss,
      expiresAtMs: claims.exp * 1000,
      provider,
      key,
    }
    cache?.set(token, verified, { ttl: Math.max(1, verified.expiresAtMs - now()) })
    return admit(verified)
  }

  function verifyNow(token: unknown): VerifyResult | Promise<VerifyResult> {
    const hit =
      typeof token === 'string' && token.length <= settings.maxTokenLength
        ? cache?.get(token)
        : undefined
    if (hit !== undefined && hit.provider.holds(hit.key)) {
      checkTime(hit.claims as unknown as Record<string, unknown>, now() / 1000, settings)
      return admit(hit)
    }
    const decoded = decodeToken(token, settings.maxTokenLength)
    const spec = checkHeader(decoded.header, settings.algorithms)
    const iss = decoded.payload.iss
    const provider = typeof iss === 'string' ? providers.get(iss) : undefined
    if (provider === undefined) {
      throw new GitlabIdTokenError('ERR_ISSUER_UNTRUSTED', 'iss is not a trusted issuer')
    }
    const kid = decoded.header.kid
    // A kid is a short thumbprint; anything long is refused before it reaches the cache.
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) {
      throw new GitlabIdTokenError('ERR_KEY_NOT_FOUND', 'kid missing or invalid')
    }
    const keys = provider.resolve(kid)
    const stringToken = token as string
    return keys instanceof Promise
      ? keys.then((resolved) => complete(stringToken, decoded, spec, provider, resolved))
      : complete(stringToken, decoded, spec, provider, keys)
  }

  return {
    verify(token: unknown): Promise<VerifyResult> {
      // Synchronous until a key has to be fetched: no await, so a cached key costs no extra tick.
      try {
        const outcome = verifyNow(token)
        return outcome instanceof Promise ? outcome : Promise.resolve(outcome)
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)))
      }
    },
  }
}
