/**
 * `explainToken`: every check of `verify()` on one token, none of them stopping the others.
 *
 * @module
 */

import type { AlgorithmSpec } from './algorithms.js'
import { checkAudience, checkCiToken } from './claim-checks.js'
import type { GitlabIdTokenClaims } from './claims.js'
import type { DecodedToken } from './decode.js'
import { GitlabIdTokenError } from './errors.js'
import { attempt, fail, pass, show, skip } from './explain-checks.js'
import { explainPolicy } from './explain-policy.js'
import { checkKeyAndSignature } from './explain-signature.js'
import { explainTime } from './explain-time.js'
import type {
  ExplainCheck,
  ExplainCheckName,
  ExplainOptions,
  Explanation,
} from './explain-types.js'
import { tokenIdentity } from './inspect-token.js'
import type { VerifierInternals } from './verifier-internals.js'

const ORDER: readonly ExplainCheckName[] = [
  'shape',
  'algorithm',
  'issuer',
  'key',
  'signature',
  'audience',
  'ci-token',
  'time',
  'policy',
  'grants',
  'replay',
]

// Checks that read claims prove nothing unless the signature verified; `finish` marks them.
const CLAIM_CHECKS: ReadonlySet<ExplainCheckName> = new Set([
  'issuer',
  'audience',
  'ci-token',
  'time',
  'policy',
  'grants',
  'replay',
])

/**
 * Runs every check `verify()` runs, in its order, without stopping at the first failure: shape,
 * algorithm, issuer, key, signature, audience, CI-token shape, times (one `time` check per failing
 * rule: `exp`, `nbf`, `iat`, `maxTokenAge`), every allow and deny rule, and the required grants. A check that cannot run says why (`status: 'skip'`); checks on claims
 * whose signature did not verify are marked `unverified`. Nothing is cached and no `jti` is
 * recorded, so explaining a token never spends it.
 *
 * Never throws for a bad token: only a programming error escapes. `verifier.explain(token)` calls
 * this with the verifier's own settings, key sets and compiled policy.
 *
 * @param token - the compact JWS.
 * @param internals - the verifier's parts (see `VerifierInternals`).
 * @param options - `require` (grants), `verifySignature` (default `true`), `checkAudience`
 *   (default `true`), `now` (default the verifier's clock).
 *
 * @example
 * ```ts
 * const report = await verifier.explain(token, { require: ['deploy:production'] })
 * for (const check of report.checks) console.log(check.status, check.name, check.summary)
 * for (const rule of report.rules.filter((r) => !r.matched)) console.log(rule.name, rule.failures)
 * ```
 */
export async function explainToken(
  token: unknown,
  internals: VerifierInternals,
  options: ExplainOptions = {},
): Promise<Explanation> {
  const { settings } = internals
  const checks: ExplainCheck[] = []
  let decoded: DecodedToken
  try {
    decoded = internals.decode(token)
  } catch (error) {
    checks.push(fail('shape', error, 'not a compact JWS'))
    for (const name of ORDER.slice(1, -1))
      checks.push(skip(name, 'not run: the token could not be decoded'))
    return finish(checks, false, [], undefined, undefined, [], [])
  }
  checks.push(pass('shape', 'three base64url parts, a JSON header and payload'))
  const { header, payload } = decoded
  let spec: AlgorithmSpec | undefined
  const algError = attempt(() => {
    spec = internals.checkHeader(header)
  })
  const allowed = [...settings.algorithms.keys()]
  if (algError === undefined) checks.push(pass('algorithm', `alg ${show(header.alg)} allowed`))
  else
    checks.push(
      fail('algorithm', algError, `alg ${show(header.alg)}`, {
        received: header.alg,
        allowed,
      }),
    )
  const trusted = [...settings.issuers.keys()]
  const issuerTrusted = typeof payload.iss === 'string' && settings.issuers.has(payload.iss)
  checks.push(
    issuerTrusted
      ? pass('issuer', `iss ${show(payload.iss)} is trusted`)
      : fail(
          'issuer',
          new GitlabIdTokenError('ERR_ISSUER_UNTRUSTED', 'iss is not a trusted issuer', {
            details: { received: payload.iss, trusted },
          }),
          `iss ${show(payload.iss)} is not one of ${trusted.map(show).join(', ')}`,
        ),
  )

  let verified = false
  if (options.verifySignature === false) {
    checks.push(skip('key', 'not looked up: signature verification was turned off'))
    checks.push(skip('signature', 'not checked (offline): every claim below is unverified'))
  } else {
    verified = await checkKeyAndSignature(decoded, internals, spec, issuerTrusted, checks)
  }

  const accepted = [...settings.audiences]
  if (options.checkAudience === false) {
    checks.push(skip('audience', 'not checked: no audience was given'))
  } else {
    const error = attempt(() => checkAudience(payload.aud, settings.audiences))
    checks.push(
      error === undefined
        ? pass('audience', `aud ${show(payload.aud)} is accepted`)
        : fail(
            'audience',
            error,
            `aud ${show(payload.aud)}, accepted ${accepted.map(show).join(', ')}`,
            {
              received: payload.aud,
              accepted,
            },
          ),
    )
  }
  const ciError = attempt(() => checkCiToken(payload))
  checks.push(
    ciError === undefined
      ? pass('ci-token', `a CI/CD job token (sub ${show(payload.sub)})`)
      : fail('ci-token', ciError, `sub ${show(payload.sub)}`),
  )
  const nowMs = options.now ?? settings.now()
  checks.push(...explainTime(payload, nowMs / 1000, settings))

  const claims = payload as unknown as GitlabIdTokenClaims
  const explained = explainPolicy(
    internals.options.policy,
    internals.policy,
    claims,
    options.require ?? [],
    !verified,
  )
  checks.push(explained.policy)
  if (explained.grants !== undefined) checks.push(explained.grants)
  if (internals.options.replay !== undefined) {
    checks.push(skip('replay', 'not checked: explaining a token never records its jti'))
  }
  const decision = explained.decision
  return finish(
    checks,
    verified,
    explained.rules,
    header,
    payload,
    decision.allowed ? decision.grants : [],
    decision.allowed ? decision.rules : [],
  )
}

function finish(
  checks: readonly ExplainCheck[],
  verified: boolean,
  rules: Explanation['rules'],
  header: Readonly<Record<string, unknown>> | undefined,
  payload: Readonly<Record<string, unknown>> | undefined,
  grants: readonly string[],
  matchedRules: readonly string[],
): Explanation {
  const marked = checks.map((check) =>
    CLAIM_CHECKS.has(check.name) && !verified ? { ...check, unverified: true } : check,
  )
  const first = marked.find((check) => check.status === 'fail')
  const code = first?.code
  return {
    ok: first === undefined,
    verified,
    ...(code === undefined ? {} : { code, status: new GitlabIdTokenError(code).status }),
    checks: marked,
    rules,
    grants,
    matchedRules,
    ...(payload === undefined ? {} : { identity: tokenIdentity(payload, verified) }),
    ...(header === undefined ? {} : { header }),
    ...(payload === undefined ? {} : { claims: payload }),
  }
}
