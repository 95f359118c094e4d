/**
 * `verifier.describe()`: the effective configuration as plain JSON, for the app to log at startup.
 *
 * @module
 */

import type { ResolvedOptions } from './resolve-options.js'
import type { VerifierDescription } from './result-types.js'

const ruleName = (rule: { readonly name?: string } | undefined, fallback: string): string =>
  typeof rule?.name === 'string' ? rule.name : fallback

/**
 * Describes `settings`: issuers (and where their keys come from), audiences, algorithms, time
 * rules, key-set and cache settings, crypto mode, replay scope, and the policy's rule names with
 * the claims each one matches on and its grants. Functions, stores, the `fetch` and claim values
 * of matchers are never included, so the output is safe to log.
 *
 * @example
 * ```ts
 * log.info({ verifier: describeVerifier(settings) }, 'gitlab-id-token configured')
 * ```
 */
export function describeVerifier(settings: ResolvedOptions): VerifierDescription {
  const { policy, replay } = settings
  const only =
    replay?.rules === undefined && replay?.grants === undefined
      ? undefined
      : {
          ...(replay.rules === undefined ? {} : { rules: [...replay.rules] }),
          ...(replay.grants === undefined ? {} : { grants: [...replay.grants] }),
        }
  return {
    issuers: [...settings.issuers.values()].map((config) =>
      config.jwks !== undefined
        ? { issuer: config.issuer, keys: 'static' }
        : config.jwksUri !== undefined
          ? { issuer: config.issuer, keys: 'jwksUri', jwksUri: config.jwksUri }
          : { issuer: config.issuer, keys: 'discovery' },
    ),
    audiences: [...settings.audiences],
    algorithms: [...settings.algorithms.keys()],
    clockTolerance: settings.clockTolerance,
    ...(settings.maxTokenAge === undefined ? {} : { maxTokenAge: settings.maxTokenAge }),
    maxTokenLength: settings.maxTokenLength,
    jwks: {
      cacheMaxAge: settings.cacheMaxAgeMs / 1000,
      cooldown: settings.cooldownMs / 1000,
      timeout: settings.timeoutMs / 1000,
      maxStale: settings.maxStaleMs / 1000,
    },
    cache: settings.resultCacheMax === 0 ? false : { max: settings.resultCacheMax },
    crypto: settings.crypto,
    replay:
      replay === undefined
        ? false
        : { timeout: replay.timeoutMs / 1000, ...(only === undefined ? {} : { only }) },
    policy: {
      allow: policy.allow.map((rule, i) => ({
        name: ruleName(rule, `allow[${i}]`),
        claims: Object.keys(rule.match),
        grants: [...(rule.grants ?? [])],
      })),
      deny: (policy.deny ?? []).map((rule, i) => ({
        name: ruleName(rule, `deny[${i}]`),
        claims: Object.keys(rule.match),
      })),
    },
    allowAnyProject: settings.allowAnyProject ?? false,
  }
}
