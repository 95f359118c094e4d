/**
 * Assertions shared by the core's unit tests. A misconfiguration is always `ERR_INVALID_CONFIG`
 * with status 500: the server's fault, never the client's, so no 4xx may leak it.
 */

import { expect } from 'vitest'
import { GitlabIdTokenError } from '../src/errors.js'

/**
 * Runs `fn`, asserts that it throws `ERR_INVALID_CONFIG` (500), and returns the error so the test
 * can check its message.
 *
 * @example
 * ```ts
 * expect(expectConfigError(() => compileMatcher({ regex: '(' }, 'ref')).message).toMatch(/regex/)
 * ```
 */
export function expectConfigError(fn: () => unknown): GitlabIdTokenError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(GitlabIdTokenError)
    const error = err as GitlabIdTokenError
    expect(error.code).toBe('ERR_INVALID_CONFIG')
    expect(error.status).toBe(500)
    return error
  }
  throw new Error('expected ERR_INVALID_CONFIG')
}

/**
 * The same check as an asymmetric matcher, for `toThrow`.
 *
 * @example
 * ```ts
 * expect(() => resolveAlgorithms([])).toThrow(configErrorMatching(/non-empty/))
 * ```
 */
export const configErrorMatching = (message: RegExp) =>
  expect.objectContaining({
    code: 'ERR_INVALID_CONFIG',
    status: 500,
    message: expect.stringMatching(message),
  })
