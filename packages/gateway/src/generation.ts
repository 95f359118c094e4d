/**
 * One compiled configuration generation: the config, its profile, its verifiers, its signer and its
 * readiness. A reload builds a whole new generation and swaps one reference; checks in flight keep
 * the generation they started with.
 *
 * @module
 */

import type {
  IssuerConfig,
  ReplayStore,
  SharedKeySetCache,
  Verifier,
  VerifierOptions,
  VerifyResult,
} from '@gitlab-id-token/core'
import { grantCheck } from '@gitlab-id-token/core/adapter'
import { createAssertionSigner, type AssertionSigner } from './assertion-signer.js'
import type { GatewayConfig } from './config-types.js'
import { createKeyReadiness, type KeyReadiness } from './key-readiness.js'
import { profileFor, type Profile } from './profiles/index.js'
import { buildRouteVerifiers } from './verifier-options.js'

/**
 * A compiled configuration.
 *
 * @example
 * ```ts
 * generation.verifiers.get('deploy-production')
 * ```
 */
export interface Generation {
  /** 1 at start, +1 per successful reload. */
  readonly number: number
  readonly config: GatewayConfig
  readonly profile: Profile
  readonly verifiers: ReadonlyMap<string, Verifier>
  /** Per route with `requireGrants`: the core's compiled grant check (403 with the candidates). */
  readonly grantChecks: ReadonlyMap<string, (result: VerifyResult) => void>
  readonly signer?: AssertionSigner
  readonly readiness: KeyReadiness
}

/**
 * The parts shared by every generation of one gateway.
 *
 * @example
 * ```ts
 * const shared: GenerationServices = { fetch, keySetCache, onDecision }
 * ```
 */
export interface GenerationServices {
  readonly fetch: typeof fetch
  readonly keySetCache: SharedKeySetCache
  readonly replayStore?: ReplayStore
  readonly onDecision?: VerifierOptions['onDecision']
}

/**
 * The trusted issuers of a config as a list of `{ issuer, jwksUri?, jwks? }`.
 *
 * @example
 * ```ts
 * issuerList('https://gitlab.com') // [{ issuer: 'https://gitlab.com' }]
 * ```
 */
export function issuerList(issuer: GatewayConfig['issuer']): IssuerConfig[] {
  const list = Array.isArray(issuer) ? issuer : [issuer]
  return (list as (string | IssuerConfig)[]).map((entry) =>
    typeof entry === 'string' ? { issuer: entry } : entry,
  )
}

/**
 * Compiles `config` into generation `number`. Verifier construction errors surface here, before
 * any swap.
 *
 * @example
 * ```ts
 * const next = buildGeneration(config, current.number + 1, services)
 * ```
 */
export function buildGeneration(
  config: GatewayConfig,
  number: number,
  services: GenerationServices,
): Generation {
  const verifiers = buildRouteVerifiers(config, {
    fetch: services.fetch,
    keySetCache: services.keySetCache,
    ...(services.replayStore === undefined ? {} : { replayStore: services.replayStore }),
    ...(services.onDecision === undefined ? {} : { onDecision: services.onDecision }),
  })
  const readiness = createKeyReadiness({
    issuers: issuerList(config.issuer),
    verifiers: [...verifiers.values()],
  })
  const grantChecks = new Map<string, (result: VerifyResult) => void>()
  for (const route of config.routes) {
    if (route.requireGrants.length > 0) grantChecks.set(route.name, grantCheck(route.requireGrants))
  }
  return {
    number,
    config,
    profile: profileFor(config.profile),
    verifiers,
    grantChecks,
    ...(config.assertion === undefined ? {} : { signer: createAssertionSigner(config.assertion) }),
    readiness,
  }
}
