/**
 * What a proxy contract is made of, and the one header reader every profile uses.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http'
import { GitlabIdTokenError } from '@gitlab-id-token/core'
import type { ProfileName } from '../config-types.js'
import type { OriginalRequest } from '../match-route.js'

/**
 * One proxy contract: where the original request is read from, and what an allow adds.
 *
 * @example
 * ```ts
 * const original = profile.read(req) // { method, host, url }
 * ```
 */
export interface Profile {
  readonly name: ProfileName
  /**
   * The original request, from the profile's one documented source and nothing else.
   *
   * @returns `undefined` when `req` is not addressed to the check endpoint (answered 404).
   * @throws {GitlabIdTokenError} `ERR_GATEWAY_MISCONFIGURED` when a source header is missing.
   */
  read(req: IncomingMessage): OriginalRequest | undefined
  /** Headers added to every allow answer. */
  readonly allowHeaders: readonly (readonly [string, string])[]
}

/** The check endpoint's path (Envoy appends the original path below it). */
export const CHECK_PATH = '/check'

/**
 * Whether `url` addresses the check endpoint exactly (a query string is ignored).
 *
 * @example
 * ```ts
 * isCheckPath('/check?x=1') // true
 * ```
 */
export function isCheckPath(url: string | undefined): boolean {
  const path = (url ?? '').split('?', 1)[0]
  return path === CHECK_PATH
}

/**
 * Reads exactly one value of a header the proxy must set. Several copies mean the proxy appended
 * instead of replacing, so a client's copy may be among them: refused, never guessed.
 *
 * @param fix - what the operator should add to the proxy config.
 * @throws {GitlabIdTokenError} `ERR_GATEWAY_MISCONFIGURED`.
 * @example
 * ```ts
 * const uri = requireHeader(req, 'x-original-uri', 'proxy_set_header X-Original-URI $request_uri;')
 * ```
 */
export function requireHeader(req: IncomingMessage, name: string, fix: string): string {
  const values = req.headersDistinct[name]
  if (values === undefined || values.length === 0 || values[0] === '') {
    throw new GitlabIdTokenError('ERR_GATEWAY_MISCONFIGURED', `${name} missing: ${fix}`)
  }
  if (values.length > 1) {
    throw new GitlabIdTokenError(
      'ERR_GATEWAY_MISCONFIGURED',
      `${name} sent ${values.length} times: the proxy must replace it, not append (${fix})`,
    )
  }
  return values[0] as string
}
