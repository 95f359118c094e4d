/**
 * The time part of an explanation: every failing time rule (`exp`, `nbf`, `iat`, `maxTokenAge`)
 * at once, where `verify()` stops at the first.
 *
 * @module
 */

import { checkTime, type TimeRules } from './claim-checks.js'
import { isGitlabIdTokenError } from './errors.js'
import { fail, pass } from './explain-checks.js'
import type { ExplainCheck } from './explain-types.js'

type TimeClaim = 'exp' | 'nbf' | 'iat'

const iso = (seconds: unknown): string =>
  typeof seconds === 'number' && Number.isFinite(seconds)
    ? new Date(Math.round(seconds * 1000)).toISOString()
    : JSON.stringify(seconds ?? null)

function summaryOf(
  code: string,
  claim: TimeClaim | undefined,
  payload: Readonly<Record<string, unknown>>,
  nowSeconds: number,
  rules: TimeRules,
): string {
  const at = `at ${iso(nowSeconds)}`
  if (claim === undefined) return at
  if (code === 'ERR_TOKEN_MALFORMED') return `${claim} ${JSON.stringify(payload[claim] ?? null)}`
  const limit = code === 'ERR_TOKEN_TOO_OLD' ? `, maxTokenAge ${String(rules.maxTokenAge)} s` : ''
  return `${claim} ${iso(payload[claim])} ${at}${limit} (tolerance ${rules.clockTolerance} s)`
}

/**
 * One `time` check per failing rule, in `checkTime`'s order (so the first is what `verify()`
 * throws), or one passing check. `checkTime` itself stays the single definition of the rules:
 * after each failure the claim it names is set to a value that passes, and the check runs again
 * (at most once per claim, plus `maxTokenAge`).
 *
 * @param nowSeconds - the clock, in (fractional) seconds since the epoch.
 *
 * @example
 * ```ts
 * checks.push(...explainTime(payload, Date.now() / 1000, settings))
 * // an expired token older than maxTokenAge: two checks, ERR_TOKEN_EXPIRED then ERR_TOKEN_TOO_OLD
 * ```
 */
export function explainTime(
  payload: Readonly<Record<string, unknown>>,
  nowSeconds: number,
  rules: TimeRules,
): ExplainCheck[] {
  // A value that passes every rule for its claim: exp after now, nbf and iat at now (age 0).
  const passing: Record<TimeClaim, number> = {
    exp: nowSeconds + rules.clockTolerance + 1,
    nbf: nowSeconds,
    iat: nowSeconds,
  }
  const checks: ExplainCheck[] = []
  let current: Record<string, unknown> = { ...payload }
  for (let round = 0; round < 4; round++) {
    try {
      checkTime(current, nowSeconds, rules)
      break
    } catch (error) {
      // Anything but a GitlabIdTokenError is a bug: `fail` rethrows it.
      if (!isGitlabIdTokenError(error)) throw error
      const claim = (error.details as { claim?: TimeClaim } | undefined)?.claim
      checks.push(fail('time', error, summaryOf(error.code, claim, payload, nowSeconds, rules)))
      // A failure that names no claim cannot be set aside: report it alone.
      if (claim === undefined || !(claim in passing)) break
      current = { ...current, [claim]: passing[claim] }
    }
  }
  return checks.length > 0 ? checks : [pass('time', `valid at ${iso(nowSeconds)}`)]
}
