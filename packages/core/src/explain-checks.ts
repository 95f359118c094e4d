/**
 * Building the entries of an explanation: one constructor per outcome, so every check reads alike.
 *
 * @module
 */

import { isGitlabIdTokenError } from './errors.js'
import type { ExplainCheck, ExplainCheckName } from './explain-types.js'

/**
 * A check that held.
 *
 * @example
 * ```ts
 * pass('audience', 'aud "https://deploy.example.com" is accepted')
 * ```
 */
export const pass = (name: ExplainCheckName, summary: string): ExplainCheck => ({
  name,
  status: 'pass',
  summary,
  unverified: false,
})

/**
 * A check that could not run; `summary` says why.
 *
 * @example
 * ```ts
 * skip('signature', 'not checked: no key (every claim below is unverified)')
 * ```
 */
export const skip = (name: ExplainCheckName, summary: string): ExplainCheck => ({
  name,
  status: 'skip',
  summary,
  unverified: false,
})

/**
 * A failed check, from what the check threw. The error's own typed details win; ours fill in
 * while a throw site has none. Anything but a `GitlabIdTokenError` is a bug and rethrown.
 *
 * @example
 * ```ts
 * fail('audience', error, 'aud "x"', { received: 'x', accepted })
 * ```
 */
export function fail(
  name: ExplainCheckName,
  error: unknown,
  summary: string,
  details?: unknown,
): ExplainCheck {
  if (!isGitlabIdTokenError(error)) throw error
  const facts: unknown = error.details ?? details
  return {
    name,
    status: 'fail',
    code: error.code,
    summary: `${summary}: ${error.message}`,
    ...(facts === undefined ? {} : { details: facts }),
    unverified: false,
  }
}

/**
 * Runs a throwing check and returns what it threw, or `undefined`.
 *
 * @example
 * ```ts
 * const error = attempt(() => checkCiToken(payload))
 * ```
 */
export function attempt(run: () => void): unknown {
  try {
    run()
    return undefined
  } catch (error) {
    return error
  }
}

/**
 * A claim value for a summary line.
 *
 * @example
 * ```ts
 * show(undefined) // '(absent)'
 * ```
 */
export const show = (value: unknown): string =>
  value === undefined ? '(absent)' : JSON.stringify(value)
