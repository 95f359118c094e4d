/**
 * A core verifier from the flags `verify` and `explain` share.
 *
 * @module
 */

import {
  createVerifier,
  DEFAULT_ISSUER,
  type IssuerConfig,
  type JsonWebKeySet,
  type Policy,
  type Verifier,
  type VerifierOptions,
} from '@gitlab-id-token/core'
import type { CommandContext, FlagSpec } from './command.js'
import { listFlag, stringFlag } from './command.js'
import { atFrom } from './parse-time.js'
import { isRecord, readDocument } from './read-document.js'
import { UsageError } from './usage-error.js'

/** Flags of every command that builds a verifier. */
export const VERIFIER_FLAGS: Readonly<Record<string, FlagSpec>> = {
  audience: {
    type: 'string',
    multiple: true,
    value: 'AUD',
    help: "accepted audience, the aud of the job's id_tokens: entry (default $GITLAB_ID_TOKEN_AUDIENCE)",
  },
  issuer: {
    type: 'string',
    value: 'URL',
    help: `trusted issuer (default $GITLAB_ID_TOKEN_ISSUER, else ${DEFAULT_ISSUER})`,
  },
  jwks: {
    type: 'string',
    value: 'FILE|URL',
    help: 'a key set file (offline) or URL instead of discovery',
  },
  policy: { type: 'string', value: 'FILE', help: 'policy file (YAML or JSON)' },
  require: { type: 'string', multiple: true, value: 'GRANT', help: 'a grant the token must have' },
  at: {
    type: 'string',
    value: 'TIME',
    help: 'check the times as of this ISO date or epoch second: "was it valid then" (default $GITLAB_ID_TOKEN_AT, else now)',
  },
  'max-age': {
    type: 'string',
    value: 'SECONDS',
    help: 'refuse tokens issued longer ago than this',
  },
  'clock-tolerance': { type: 'string', value: 'SECONDS', help: 'allowed clock skew (default 30)' },
}

/** A policy file: the policy and the verifier options it may carry next to it. */
export interface PolicyFile {
  readonly policy: Policy
  readonly allowAnyProject?: VerifierOptions['allowAnyProject']
  readonly allowAnyProjectOnSharedInstance?: boolean
}

/**
 * Reads a policy file. `$schema`, `allowAnyProject` and `allowAnyProjectOnSharedInstance` may sit
 * next to `allow` and `deny`, as `loadOptionsFromEnv` accepts them.
 *
 * @example
 * ```ts
 * const { policy } = await readPolicyFile('policy.yaml', io.cwd)
 * ```
 */
export async function readPolicyFile(path: string, cwd: string): Promise<PolicyFile> {
  const document = await readDocument(path, cwd)
  if (!isRecord(document))
    throw new UsageError(`${path}: a policy is an object with allow (and deny)`)
  const { $schema: _schema, allowAnyProject, allowAnyProjectOnSharedInstance, ...policy } = document
  return {
    policy: policy as unknown as Policy,
    ...(allowAnyProject === undefined
      ? {}
      : { allowAnyProject: allowAnyProject as VerifierOptions['allowAnyProject'] }),
    ...(typeof allowAnyProjectOnSharedInstance === 'boolean'
      ? { allowAnyProjectOnSharedInstance }
      : {}),
  }
}

/**
 * The verifier options a policy file sets: the policy and, when the file names them, the
 * `allowAnyProject` switches.
 *
 * @example
 * ```ts
 * createVerifier({ audience, issuer, ...policyOptions(await readPolicyFile('policy.yaml', cwd)) })
 * ```
 */
export function policyOptions(
  file: PolicyFile,
): Pick<VerifierOptions, 'policy' | 'allowAnyProject' | 'allowAnyProjectOnSharedInstance'> {
  return {
    policy: file.policy,
    ...(file.allowAnyProject === undefined ? {} : { allowAnyProject: file.allowAnyProject }),
    ...(file.allowAnyProjectOnSharedInstance === undefined
      ? {}
      : { allowAnyProjectOnSharedInstance: file.allowAnyProjectOnSharedInstance }),
  }
}

// Without --policy the CLI checks validity only: one rule any CI token satisfies. Never used by a
// service; the output says "no policy" wherever it applies.
const VALIDITY_ONLY: PolicyFile = {
  policy: {
    allow: [{ name: '(no --policy: validity only)', match: { sub: { glob: 'project_path:**' } } }],
  },
  allowAnyProject: true,
  allowAnyProjectOnSharedInstance: true,
}

/** What a gateway route fixes instead of the flags (`explain --config`). */
export interface RouteSettings {
  readonly issuer: VerifierOptions['issuer']
  readonly audiences: readonly string[]
  readonly policy: PolicyFile
  readonly required: readonly string[]
  readonly maxTokenAge?: number
  readonly clockTolerance?: number
}

/** The verifier and what it was built from. */
export interface BuiltVerifier {
  readonly verifier: Verifier
  readonly issuer: string
  readonly audiences: readonly string[]
  /** `false` when no audience was given and a placeholder stands in (explain skips the check). */
  readonly audienceGiven: boolean
  readonly policyGiven: boolean
  readonly at: number | undefined
  readonly required: readonly string[]
}

/**
 * A non-negative number of seconds from `--flag`, or a usage error (exit 4) naming it.
 *
 * @example
 * ```ts
 * seconds(context, 'expires-in') // 600 for --expires-in 600
 * ```
 */
export function seconds(context: CommandContext, flag: string): number | undefined {
  const value = stringFlag(context, flag)
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${flag} must be a number of seconds`)
  return n
}

async function issuerConfig(
  context: CommandContext,
  issuer: string,
): Promise<IssuerConfig | string> {
  const jwks = stringFlag(context, 'jwks')
  if (jwks === undefined) return issuer
  if (/^https?:\/\//.test(jwks)) return { issuer, jwksUri: jwks }
  const document = await readDocument(jwks, context.io.cwd)
  return { issuer, jwks: document as JsonWebKeySet }
}

/**
 * Builds the verifier `verify` and `explain` use. Configuration mistakes surface as the core's
 * `ERR_INVALID_CONFIG` (exit 4).
 *
 * @example
 * ```ts
 * const { verifier } = await buildVerifier(context, { audienceRequired: true })
 * ```
 */
export async function buildVerifier(
  context: CommandContext,
  options: {
    readonly audienceRequired: boolean
    readonly policyRequired?: boolean
    readonly route?: RouteSettings
  },
): Promise<BuiltVerifier> {
  const { env, cwd } = context.io
  const { route } = options
  const flagged = listFlag(context, 'audience')
  const fromEnv = (env.GITLAB_ID_TOKEN_AUDIENCE ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '')
  const audiences =
    flagged.length > 0 ? flagged : route !== undefined ? [...route.audiences] : fromEnv
  if (audiences.length === 0 && options.audienceRequired) {
    throw new UsageError(
      '--audience is required',
      'the aud your job requests in id_tokens:, e.g. --audience https://deploy.example.com',
    )
  }
  const policyPath = stringFlag(context, 'policy') ?? env.GITLAB_ID_TOKEN_POLICY
  if (policyPath === undefined && route === undefined && options.policyRequired === true) {
    throw new UsageError(
      '--policy is required',
      'the policy file your service loads, e.g. --policy policy.yaml',
    )
  }
  const policyFile =
    route?.policy ??
    (policyPath === undefined ? VALIDITY_ONLY : await readPolicyFile(policyPath, cwd))
  const issuer = stringFlag(context, 'issuer') ?? env.GITLAB_ID_TOKEN_ISSUER ?? DEFAULT_ISSUER
  const at = atFrom(stringFlag(context, 'at'), env)
  const maxTokenAge = seconds(context, 'max-age') ?? route?.maxTokenAge
  const clockTolerance = seconds(context, 'clock-tolerance') ?? route?.clockTolerance
  const verifierOptions: VerifierOptions = {
    // explain without an audience: a placeholder no token carries, and the check is skipped.
    audience: audiences.length > 0 ? audiences : ['urn:gitlab-id-token:cli:no-audience'],
    issuer: route?.issuer ?? (await issuerConfig(context, issuer)),
    ...policyOptions(policyFile),
    ...(maxTokenAge === undefined ? {} : { maxTokenAge }),
    ...(clockTolerance === undefined ? {} : { clockTolerance }),
    ...(at === undefined ? {} : { now: () => at }),
    cache: false,
  }
  return {
    verifier: createVerifier(verifierOptions),
    issuer,
    audiences,
    audienceGiven: audiences.length > 0,
    policyGiven: policyPath !== undefined || route !== undefined,
    at,
    required: [...(route?.required ?? []), ...listFlag(context, 'require')],
  }
}
