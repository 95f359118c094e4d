/**
 * Validating the `replay` option, including that `only` names rules and grants the policy has.
 *
 * @module
 */

import { GitlabIdTokenError } from './errors.js'
import { assertKnownKeys, REPLAY_KEYS, REPLAY_ONLY_KEYS } from './option-keys.js'
import type { Policy, Rule } from './policy-types.js'
import type { ReplayOptions, ReplayStore } from './types.js'

/**
 * Validated replay settings.
 *
 * @example
 * ```ts
 * const { store, timeoutMs } = resolveReplay(options.replay, options.policy)!
 * ```
 */
export interface ResolvedReplay {
  readonly store: ReplayStore
  readonly timeoutMs: number
  /** Rule names whose match makes a token spend the store; `undefined` with `grants`: every token. */
  readonly rules: ReadonlySet<string> | undefined
  readonly grants: ReadonlySet<string> | undefined
}

/**
 * Default seconds `remember()` may take: a hung store must not hang requests.
 *
 * @example
 * ```ts
 * replay: { store, timeout: DEFAULT_REPLAY_TIMEOUT / 2 }
 * ```
 */
export const DEFAULT_REPLAY_TIMEOUT = 1

function invalid(message: string): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_INVALID_CONFIG', message)
}

function names(value: unknown, name: string): Set<string> | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string' || entry === '')) {
    throw invalid(`"${name}" must be an array of non-empty strings`)
  }
  return new Set(value as string[])
}

// A name that matches nothing would switch replay protection off without a word: fail at startup.
function assertKnown(wanted: Set<string> | undefined, known: Set<string>, what: string): void {
  for (const name of wanted ?? []) {
    if (!known.has(name)) {
      throw invalid(
        `"replay.only.${what}" names ${JSON.stringify(name)}, which no allow rule ${what === 'rules' ? 'is called' : 'grants'}; known: ${[...known].join(', ') || '(none)'}`,
      )
    }
  }
}

/**
 * Validates `replay`: a store with `remember()`, a timeout in `(0, 30]` seconds (default 1), and
 * `only` naming existing allow rules (by `name` or `allow[i]`) and grants.
 *
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG`.
 * @example
 * ```ts
 * resolveReplay({ store, only: { grants: ['deploy:prod'] } }, policy)
 * ```
 */
export function resolveReplay(
  option: ReplayOptions | undefined,
  policy: Policy,
): ResolvedReplay | undefined {
  if (option === undefined) return undefined
  if (typeof option !== 'object' || option === null) throw invalid('"replay" must be an object')
  assertKnownKeys(option, REPLAY_KEYS, 'replay')
  const store = option.store as ReplayStore | undefined
  if (typeof store?.remember !== 'function') {
    throw invalid(
      '"replay.store" must have remember(key, expiresAtMs), e.g. createMemoryReplayStore()',
    )
  }
  const timeout = option.timeout ?? DEFAULT_REPLAY_TIMEOUT
  if (typeof timeout !== 'number' || !(timeout > 0) || timeout > 30) {
    throw invalid('"replay.timeout" must be a number of seconds in (0, 30]')
  }
  let rules: Set<string> | undefined
  let grants: Set<string> | undefined
  if (option.only !== undefined) {
    if (typeof option.only !== 'object' || option.only === null) {
      throw invalid('"replay.only" must be { rules?, grants? }')
    }
    assertKnownKeys(option.only, REPLAY_ONLY_KEYS, 'replay.only')
    rules = names(option.only.rules, 'replay.only.rules')
    grants = names(option.only.grants, 'replay.only.grants')
    if ((rules?.size ?? 0) + (grants?.size ?? 0) === 0) {
      throw invalid('"replay.only" must name at least one rule or grant (omit it for every token)')
    }
    const allow: readonly Rule[] = Array.isArray(policy.allow) ? policy.allow : []
    assertKnown(rules, new Set(allow.map((rule, i) => rule?.name ?? `allow[${i}]`)), 'rules')
    assertKnown(grants, new Set(allow.flatMap((rule) => rule?.grants ?? [])), 'grants')
  }
  return { store, timeoutMs: timeout * 1000, rules, grants }
}
