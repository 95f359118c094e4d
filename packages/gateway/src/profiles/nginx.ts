/**
 * The nginx `auth_request` contract. The subrequest is a GET without body that carries *all*
 * client headers (research note finding 3), so the original request is read only from the three
 * headers the shipped location sets with `proxy_set_header` (which replaces a client's copy,
 * finding 4); `X-Forwarded-*` and `Forwarded` are never read.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http'
import type { OriginalRequest } from '../match-route.js'
import { isCheckPath, requireHeader, type Profile } from './profile.js'

/**
 * `profile: nginx`: `X-Original-Method`, `X-Original-Host`, `X-Original-URI`.
 *
 * @example
 * ```ts
 * nginxProfile.read(req) // { method: 'POST', host: 'deploy.acme.example', url: '/deploy/production' }
 * ```
 */
export const nginxProfile: Profile = {
  name: 'nginx',
  read(req: IncomingMessage): OriginalRequest | undefined {
    if (!isCheckPath(req.url)) return undefined
    return {
      method: requireHeader(
        req,
        'x-original-method',
        'proxy_set_header X-Original-Method $request_method;',
      ),
      host: requireHeader(req, 'x-original-host', 'proxy_set_header X-Original-Host $host;'),
      url: requireHeader(req, 'x-original-uri', 'proxy_set_header X-Original-URI $request_uri;'),
    }
  },
  allowHeaders: [],
}
