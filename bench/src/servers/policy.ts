/** What every bench server is configured with: the policy (a project pin), our options, the ceiling's settings. */

import type { VerifierOptions } from '@gitlab-id-token/core'
import type { ServerConfig } from '../http-variants.js'
import { fetchKeys, type RawConfig } from '../rawcrypto.js'

export interface BenchPolicy {
  readonly allow: readonly {
    readonly name: string
    readonly match: { readonly project_id: string }
  }[]
}

export function benchPolicy(cfg: { readonly projectId: string }): BenchPolicy {
  return { allow: [{ name: 'bench', match: { project_id: cfg.projectId } }] }
}

/** Our adapters' options in every `ours` server: the same policy, a result cache sized by the run. */
export function oursOptions(cfg: ServerConfig): VerifierOptions {
  return {
    audience: cfg.audience,
    issuer: cfg.issuer,
    policy: benchPolicy(cfg),
    cache: { max: cfg.oursCacheMax },
  }
}

/** The hand-written ceiling's settings, with its keys fetched once at start-up. */
export async function rawCryptoConfig(cfg: ServerConfig): Promise<RawConfig> {
  return {
    issuer: cfg.issuer,
    audience: cfg.audience,
    projectId: cfg.projectId,
    keys: await fetchKeys(cfg.jwksUri),
  }
}
