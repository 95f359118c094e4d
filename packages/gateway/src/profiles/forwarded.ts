/**
 * The `X-Forwarded-Method/Host/Uri` contract shared by Caddy `forward_auth`, Traefik ForwardAuth
 * and the shipped HAProxy Lua action. Caddy and Traefik rebuild those three from the real request
 * (research note §1.2: Caddy replaced forged values [ran]; Traefik `forward.go` unless
 * `trustForwardHeader`), and our Lua sets them. `X-Forwarded-Prefix` (CVE-2026-35051) and RFC 7239
 * `Forwarded` (Traefik PR #12657) slipped through Traefik's rebuilding, so they are never read.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http'
import type { ProfileName } from '../config-types.js'
import type { OriginalRequest } from '../match-route.js'
import { isCheckPath, requireHeader, type Profile } from './profile.js'

const FIX: Record<string, string> = {
  caddy: 'use the shipped Caddyfile (forward_auth sets X-Forwarded-Method/Uri/Host)',
  traefik:
    'use ForwardAuth with trustForwardHeader: false (Traefik sets X-Forwarded-Method/Host/Uri)',
  haproxy: 'use the shipped gitlab-auth.lua action, which sets X-Forwarded-Method/Host/Uri',
}

function forwardedProfile(name: Extract<ProfileName, 'caddy' | 'traefik' | 'haproxy'>): Profile {
  const fix = FIX[name] as string
  return {
    name,
    read(req: IncomingMessage): OriginalRequest | undefined {
      if (!isCheckPath(req.url)) return undefined
      return {
        method: requireHeader(req, 'x-forwarded-method', fix),
        host: requireHeader(req, 'x-forwarded-host', fix),
        url: requireHeader(req, 'x-forwarded-uri', fix),
      }
    },
    allowHeaders: [],
  }
}

/**
 * `profile: caddy`.
 *
 * @example
 * ```ts
 * caddyProfile.read(req)
 * ```
 */
export const caddyProfile: Profile = forwardedProfile('caddy')

/**
 * `profile: traefik`.
 *
 * @example
 * ```ts
 * traefikProfile.read(req)
 * ```
 */
export const traefikProfile: Profile = forwardedProfile('traefik')

/**
 * `profile: haproxy`.
 *
 * @example
 * ```ts
 * haproxyProfile.read(req)
 * ```
 */
export const haproxyProfile: Profile = forwardedProfile('haproxy')
