/**
 * The key and signature part of an explanation: find the key, check the signature, and say why
 * either could not run.
 *
 * @module
 */

import type { AlgorithmSpec } from './algorithms.js'
import type { DecodedToken } from './decode.js'
import { GitlabIdTokenError, isGitlabIdTokenError } from './errors.js'
import { fail, pass, show, skip } from './explain-checks.js'
import type { ExplainCheck } from './explain-types.js'
import type { KeyEntry } from './key-set.js'
import { verifySignature } from './signature.js'
import type { VerifierInternals } from './verifier-internals.js'

/**
 * Appends the `key` and `signature` checks to `checks`, looking the key up in the verifier's own
 * key provider (so the explanation sees the cached key sets `verify()` sees).
 *
 * @returns whether the signature verified.
 *
 * @example
 * ```ts
 * const verified = await checkKeyAndSignature(decoded, internals, spec, issuerTrusted, checks)
 * ```
 */
export async function checkKeyAndSignature(
  decoded: DecodedToken,
  internals: VerifierInternals,
  spec: AlgorithmSpec | undefined,
  issuerTrusted: boolean,
  checks: ExplainCheck[],
): Promise<boolean> {
  const iss = decoded.payload.iss
  const kid = decoded.header.kid
  const provider = typeof iss === 'string' ? internals.providers.get(iss) : undefined
  if (!issuerTrusted || provider === undefined) {
    checks.push(skip('key', 'not looked up: the issuer is not trusted, so there is no key set'))
    checks.push(skip('signature', 'not checked: no key (every claim below is unverified)'))
    return false
  }
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) {
    const error = new GitlabIdTokenError('ERR_KEY_NOT_FOUND', 'kid missing or invalid', {
      details: { kid, knownKids: [], issuer: String(iss) },
    })
    checks.push(fail('key', error, `kid ${show(kid)}`))
    checks.push(skip('signature', 'not checked: no key (every claim below is unverified)'))
    return false
  }
  let keys: readonly KeyEntry[]
  try {
    keys = await provider.resolve(kid)
  } catch (error) {
    checks.push(fail('key', error, `kid ${show(kid)} of ${String(iss)}`, { kid, issuer: iss }))
    checks.push(skip('signature', 'not checked: no key (every claim below is unverified)'))
    return false
  }
  const found = pass('key', `kid ${show(kid)} is in the key set of ${String(iss)}`)
  if (spec === undefined) {
    checks.push(found, skip('signature', 'not checked: the algorithm is not allowed'))
    return false
  }
  try {
    verifySignature(decoded, spec, keys)
  } catch (error) {
    // No key of this kid fits the algorithm: a key problem, and the signature was never tried.
    if (isGitlabIdTokenError(error, 'ERR_KEY_NOT_FOUND')) {
      checks.push(fail('key', error, `kid ${show(kid)}, ${spec.name}`))
      checks.push(skip('signature', 'not checked: no key of this kid fits the algorithm'))
    } else {
      checks.push(found, fail('signature', error, spec.name))
    }
    return false
  }
  checks.push(found, pass('signature', `${spec.name} signature verified`))
  return true
}
