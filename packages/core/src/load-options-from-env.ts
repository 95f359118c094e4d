/**
 * Verifier options from environment variables, so a service can be configured without code.
 *
 * @module
 */

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { extname, resolve } from 'node:path'
import type { parse as ParseYaml } from 'yaml'
import { GitlabIdTokenError } from './errors.js'
import { resolveIssuerScope } from './issuer-scope.js'
import type { AllowAnyProject } from './issuer-scope.js'
import { describeValue } from './matcher.js'
import { compilePolicy } from './policy.js'
import type { Policy } from './policy-types.js'
import type { VerifierOptions } from './types.js'

/**
 * What {@link loadOptionsFromEnv} returns: spread it into `createVerifier` options.
 *
 * @example
 * ```ts
 * const options: EnvOptions = loadOptionsFromEnv(process.env)
 * ```
 */
export type EnvOptions = Pick<
  VerifierOptions,
  'audience' | 'issuer' | 'policy' | 'allowAnyProject' | 'allowAnyProjectOnSharedInstance'
>

const AUDIENCE = 'GITLAB_ID_TOKEN_AUDIENCE'
const ISSUER = 'GITLAB_ID_TOKEN_ISSUER'
const POLICY = 'GITLAB_ID_TOKEN_POLICY'

/**
 * Reads the verifier's audience, issuer and policy from environment variables:
 *
 * - `GITLAB_ID_TOKEN_AUDIENCE` (required): comma-separated; values trimmed, empty ones dropped.
 * - `GITLAB_ID_TOKEN_ISSUER` (optional, default `https://gitlab.com` in `createVerifier`):
 *   comma-separated for several instances.
 * - `GITLAB_ID_TOKEN_POLICY` (required): inline JSON when the trimmed value starts with `{`,
 *   otherwise a path (relative to the working directory) to a `.json`, `.yaml` or `.yml` file.
 *   A file may carry `allowAnyProject` (`true`, or `{ issuers: [...] }` with several instances)
 *   and `allowAnyProjectOnSharedInstance` next to `allow`/`deny`, exactly as the verifier options
 *   of those names, and a `$schema` key for editors (`@gitlab-id-token/core/policy.schema.json`).
 *   Regexes are written `{ regex, flags }`.
 *
 * A single audience or issuer is returned as a string, several as an array. The policy is
 * validated here, so a bad file fails at startup, not on the first request.
 *
 * @param env - the environment. Default `process.env`.
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` naming the variable to set or fix, with the
 *   read or parse error chained as `cause`.
 *
 * @example
 * ```ts
 * // GITLAB_ID_TOKEN_AUDIENCE=https://deploy.example.com
 * // GITLAB_ID_TOKEN_POLICY=./policy.yaml
 * const verifier = createVerifier({ ...loadOptionsFromEnv(process.env), maxTokenAge: 600 })
 * ```
 */
export function loadOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): EnvOptions {
  const audience = list(env, AUDIENCE)
  if (audience === undefined) {
    throw invalid(
      `${AUDIENCE} is not set: set it to the aud your jobs request in id_tokens: ` +
        `(comma-separated for several), e.g. ${AUDIENCE}=https://deploy.example.com`,
    )
  }
  const issuer = list(env, ISSUER)
  const source = env[POLICY]?.trim() ?? ''
  if (source === '') {
    throw invalid(
      `${POLICY} is not set: set it to the path of a .json, .yaml or .yml policy file, or to ` +
        `inline JSON such as {"allow":[{"match":{"project_id":"42"}}]}`,
    )
  }
  const where = source.startsWith('{')
    ? `${POLICY} (inline JSON)`
    : `${POLICY} (${resolve(source)})`
  const document = source.startsWith('{')
    ? parse(source, 'json', where)
    : readPolicyFile(source, where)
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw invalid(
      `${where}: a policy must be an object with allow (and deny), got ${describeValue(document)}`,
    )
  }
  const {
    allowAnyProject,
    allowAnyProjectOnSharedInstance,
    $schema: _schema,
    ...policy
  } = document as Record<string, unknown>
  const scope = {
    ...(allowAnyProject === undefined
      ? {}
      : { allowAnyProject: allowAnyProject as AllowAnyProject }),
    ...(allowAnyProjectOnSharedInstance === undefined
      ? {}
      : { allowAnyProjectOnSharedInstance: allowAnyProjectOnSharedInstance as boolean }),
  }
  // The issuers are checked against these settings by createVerifier, which knows the final
  // issuer list (the code may override GITLAB_ID_TOKEN_ISSUER); here only their shapes and the
  // policy itself, so a typo in the file fails at startup with the variable named.
  try {
    resolveIssuerScope(scope)
    compilePolicy(policy as unknown as Policy, scope)
  } catch (cause) {
    throw invalid(`${where}: ${(cause as Error).message}`, cause)
  }
  return Object.freeze({
    audience,
    ...(issuer === undefined ? {} : { issuer }),
    policy: policy as unknown as Policy,
    ...scope,
  })
}

function list(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): string | string[] | undefined {
  const values = (env[name] ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '')
  if (values.length === 0) return undefined
  return values.length === 1 ? values[0] : values
}

function readPolicyFile(path: string, where: string): unknown {
  const extension = extname(path).toLowerCase()
  const format =
    extension === '.json'
      ? 'json'
      : extension === '.yaml' || extension === '.yml'
        ? 'yaml'
        : undefined
  if (format === undefined) {
    throw invalid(
      `${where}: a policy file must end in .json, .yaml or .yml, or the value must be inline JSON starting with {`,
    )
  }
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw invalid(`${where}: cannot read the policy file: ${(cause as Error).message}`, cause)
  }
  return parse(text, format, where)
}

// `yaml` costs ~19 ms to import and only a YAML policy file needs it: loaded on first use, so a
// service configured in code or with JSON never pays for it. `require` keeps this API synchronous.
let parseYaml: ((text: string) => unknown) | undefined
const loadYaml = (): ((text: string) => unknown) =>
  (parseYaml ??= (createRequire(import.meta.url)('yaml') as { parse: typeof ParseYaml }).parse)

function parse(text: string, format: 'json' | 'yaml', where: string): unknown {
  try {
    // JSON.parse rejects the byte-order mark some Windows editors write.
    return format === 'json'
      ? (JSON.parse(text.replace(/^\uFEFF/, '')) as unknown)
      : loadYaml()(text)
  } catch (cause) {
    throw invalid(`${where}: invalid ${format.toUpperCase()}: ${(cause as Error).message}`, cause)
  }
}

function invalid(message: string, cause?: unknown): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_INVALID_CONFIG', message, cause === undefined ? {} : { cause })
}
