/**
 * What the adapter plumbing remembers about a framework request between verification and a
 * route's grant check. Internal to `@gitlab-id-token/core/adapter`.
 *
 * @module
 */

import { isGitlabIdTokenError } from '../errors.js'
import { randomRequestId, requestIdFrom } from '../request-id.js'

/**
 * Requests that `optional: true` let through without a credential: a grant check on them is the
 * client's missing token (401), not a route that skipped verification (500).
 */
const anonymous = new WeakSet<object>()

/** Records that `request` was verified optionally and carried no credential. */
export function markAnonymous(request: unknown): void {
  if (typeof request === 'object' && request !== null) anonymous.add(request)
}

/** Whether {@link markAnonymous} saw `request`. */
export function isAnonymous(request: unknown): boolean {
  return typeof request === 'object' && request !== null && anonymous.has(request)
}

/**
 * A request ID for a refusal the verifier never saw (no or a malformed header, a grant check on
 * an anonymous request): those carry a `request_id` too, drawn as the verifier draws its own.
 */
export const newRequestId: () => string = randomRequestId

/**
 * Sets `requestId` on a refusal that has none (the framework's, if printable and short, as the
 * verifier would take it), and rejects with it.
 */
export function refuse(error: unknown, requestId: string | undefined): Promise<never> {
  if (isGitlabIdTokenError(error)) error.requestId ??= requestIdFrom(requestId)
  // Whatever was thrown (getToken may throw anything) goes on unchanged.
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
  return Promise.reject(error)
}
