/**
 * The profile registry: one module per proxy contract.
 *
 * @module
 */

import type { ProfileName } from '../config-types.js'
import { envoyProfile } from './envoy.js'
import { caddyProfile, haproxyProfile, traefikProfile } from './forwarded.js'
import { nginxProfile } from './nginx.js'
import type { Profile } from './profile.js'

const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  nginx: nginxProfile,
  caddy: caddyProfile,
  traefik: traefikProfile,
  haproxy: haproxyProfile,
  envoy: envoyProfile,
}

/**
 * The profile named in the config.
 *
 * @example
 * ```ts
 * profileFor('nginx').read(req)
 * ```
 */
export function profileFor(name: ProfileName): Profile {
  return PROFILES[name]
}

export type { Profile } from './profile.js'
export { CHECK_PATH } from './profile.js'
