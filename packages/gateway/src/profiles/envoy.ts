/**
 * The Envoy HTTP ext_authz contract: the check request *is* the original request, method and path
 * kept with `path_prefix` in front, `Host` kept, and only `Authorization` plus `allowed_headers`
 * forwarded (research note §1.1, `ext_authz_http_impl.cc` `toRequestMatchers`). No `X-Forwarded-*`
 * header is read. Envoy allows only status 200 exactly (`toResponse`), and removes the headers an
 * allow names in `x-envoy-auth-headers-to-remove` before the upstream sees the request.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http'
import type { OriginalRequest } from '../match-route.js'
import { CHECK_PATH, requireHeader, type Profile } from './profile.js'

/**
 * `profile: envoy`: configure `path_prefix: /check`.
 *
 * @example
 * ```ts
 * envoyProfile.read(req) // GET /check/deploy/x → { method: 'GET', host, url: '/deploy/x' }
 * ```
 */
export const envoyProfile: Profile = {
  name: 'envoy',
  read(req: IncomingMessage): OriginalRequest | undefined {
    const url = req.url ?? ''
    if (
      url !== CHECK_PATH &&
      !url.startsWith(`${CHECK_PATH}/`) &&
      !url.startsWith(`${CHECK_PATH}?`)
    ) {
      return undefined
    }
    const rest = url.slice(CHECK_PATH.length)
    return {
      method: req.method ?? 'GET',
      host: requireHeader(req, 'host', 'Envoy always sends Host; is this Envoy?'),
      url: rest.startsWith('/') ? rest : `/${rest}`,
    }
  },
  // The CI token must not reach the app; Envoy strips what this header names (ext_authz.proto).
  allowHeaders: [['x-envoy-auth-headers-to-remove', 'authorization']],
}
