/**
 * CI/CD variable expansion as GitLab applies it to `id_tokens: aud:` (16.1+, MR !122668:
 * `ExpandVariables.expand(aud, -> { scoped_variables.sort_and_expand_all })`), plus the predefined
 * variables a job would see.
 *
 * @module
 */

import { serverFqdn } from './claims-builder.js'
import type { Claims } from './claims-builder.js'

/** `$VAR`, `${VAR}` and `%VAR%`, GitLab's `ExpandVariables::VARIABLES_REGEXP`. */
const REFERENCE =
  /\$([A-Za-z_][A-Za-z0-9_]*)|\$\{([A-Za-z_][A-Za-z0-9_]*)?\}|%([A-Za-z_][A-Za-z0-9_]*)%/g

/**
 * Expands variable references once. An unknown variable becomes the empty string, as GitLab's
 * `match_or_blank_value` does, so a typo in `aud: $AUDIENCE` mints a token with `aud: ""`.
 *
 * @example
 * ```ts
 * expandVariables('https://${HOST}/api', { HOST: 'vault.example.com' }) // 'https://vault.example.com/api'
 * ```
 */
export function expandVariables(text: string, variables: Readonly<Record<string, string>>): string {
  return text.replace(REFERENCE, (_match, bare?: string, braced?: string, percent?: string) => {
    const name = bare ?? braced ?? percent
    return name !== undefined && Object.hasOwn(variables, name) ? (variables[name] ?? '') : ''
  })
}

/** A variable definition: a value, or `{ value, expand: false }` for a raw (never expanded) one. */
export type VariableDefinition = string | { readonly value: string; readonly expand?: boolean }

/**
 * Merges variable layers (later layers win) and expands references between them, like GitLab's
 * `sort_and_expand_all`. A reference cycle is left unexpanded rather than looping.
 *
 * @example
 * ```ts
 * resolveVariables([{ HOST: 'vault' }, { AUD: 'https://$HOST' }]) // { HOST: 'vault', AUD: 'https://vault' }
 * ```
 */
export function resolveVariables(
  layers: readonly Readonly<Record<string, VariableDefinition>>[],
): Record<string, string> {
  const definitions = new Map<string, { value: string; raw: boolean }>()
  for (const layer of layers) {
    for (const [name, definition] of Object.entries(layer)) {
      definitions.set(
        name,
        typeof definition === 'string'
          ? { value: definition, raw: false }
          : { value: definition.value, raw: definition.expand === false },
      )
    }
  }
  const resolved = new Map<string, string>()
  const visiting = new Set<string>()
  const resolve = (name: string): string | undefined => {
    const definition = definitions.get(name)
    if (definition === undefined) return undefined
    const done = resolved.get(name)
    if (done !== undefined) return done
    if (definition.raw || visiting.has(name)) return definition.value
    visiting.add(name)
    const value = definition.value.replace(
      REFERENCE,
      (match, bare?: string, braced?: string, percent?: string) => {
        const ref = bare ?? braced ?? percent
        return ref === undefined ? '' : (resolve(ref) ?? '')
      },
    )
    visiting.delete(name)
    resolved.set(name, value)
    return value
  }
  const result: Record<string, string> = {}
  for (const name of definitions.keys()) result[name] = resolve(name) ?? ''
  return result
}

/**
 * `CI_COMMIT_REF_SLUG` rules: lowercase, `[^a-z0-9]` → `-`, at most 63 characters, no edge dashes.
 *
 * @example
 * ```ts
 * slugify('Feature/Login') // 'feature-login'
 * ```
 */
export function slugify(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '')
}

/**
 * The predefined variables of a job, derived from its claims (the subset useful in `aud`).
 *
 * @example
 * ```ts
 * predefinedVariables(claims, 'deploy', 'https://gitlab.com').CI_SERVER_HOST // 'gitlab.com'
 * ```
 */
export function predefinedVariables(
  claims: Claims,
  jobName: string,
  serverUrl: string,
): Record<string, string> {
  const get = (name: string): string => {
    const value = claims[name]
    return typeof value === 'string' || typeof value === 'number' ? String(value) : ''
  }
  const projectPath = get('project_path')
  const ref = get('ref')
  const isTag = get('ref_type') === 'tag'
  const url = URL.canParse(serverUrl) ? new URL(serverUrl) : undefined
  const variables: Record<string, string> = {
    CI: 'true',
    GITLAB_CI: 'true',
    CI_SERVER_URL: serverUrl.replace(/\/+$/, ''),
    CI_SERVER_HOST: url?.hostname ?? serverUrl,
    CI_SERVER_FQDN: serverFqdn(serverUrl),
    CI_PROJECT_ID: get('project_id'),
    CI_PROJECT_PATH: projectPath,
    CI_PROJECT_PATH_SLUG: slugify(projectPath),
    CI_PROJECT_NAME: projectPath.slice(projectPath.lastIndexOf('/') + 1),
    CI_PROJECT_NAMESPACE: get('namespace_path'),
    CI_PROJECT_NAMESPACE_ID: get('namespace_id'),
    CI_PROJECT_URL: `${serverUrl.replace(/\/+$/, '')}/${projectPath}`,
    CI_PROJECT_VISIBILITY: get('project_visibility'),
    CI_DEFAULT_BRANCH: 'main',
    CI_COMMIT_REF_NAME: ref,
    CI_COMMIT_REF_SLUG: slugify(ref),
    CI_COMMIT_REF_PROTECTED: get('ref_protected'),
    CI_COMMIT_SHA: get('sha'),
    CI_COMMIT_SHORT_SHA: get('sha').slice(0, 8),
    [isTag ? 'CI_COMMIT_TAG' : 'CI_COMMIT_BRANCH']: ref,
    CI_PIPELINE_ID: get('pipeline_id'),
    CI_PIPELINE_SOURCE: get('pipeline_source'),
    CI_JOB_ID: get('job_id'),
    CI_JOB_NAME: jobName,
    GITLAB_USER_ID: get('user_id'),
    GITLAB_USER_LOGIN: get('user_login'),
    GITLAB_USER_EMAIL: get('user_email'),
  }
  const environment = get('environment')
  if (environment !== '') {
    variables.CI_ENVIRONMENT_NAME = environment
    variables.CI_ENVIRONMENT_SLUG = slugify(environment)
    variables.CI_ENVIRONMENT_TIER = get('deployment_tier')
    variables.CI_ENVIRONMENT_ACTION = get('environment_action')
  }
  return variables
}
