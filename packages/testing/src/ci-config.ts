/**
 * Reads one job out of a `.gitlab-ci.yml` the way GitLab's config pipeline would for
 * `id_tokens:`: `extends:` (deep merge), `default:` with `inherit:`, `!reference` tags, YAML
 * anchors and merge keys. `include:` is not fetched.
 *
 * @module
 */

import { parseAllDocuments, visit } from 'yaml'

import type { VariableDefinition } from './ci-variables.js'

/** One `id_tokens:` entry: the CI/CD variable name and its raw (unexpanded) `aud`. */
export interface IdTokenDefinition {
  readonly name: string
  readonly aud: string | readonly string[]
}

/** A job's `environment:` keyword, normalised. */
export interface EnvironmentDefinition {
  readonly name: string
  readonly action?: string
  readonly deploymentTier?: string
}

/** What a job contributes to its ID tokens. */
export interface JobDefinition {
  readonly name: string
  /** Entries in file order; empty when the job has no `id_tokens:` (GitLab then mints nothing). */
  readonly idTokens: readonly IdTokenDefinition[]
  /** Global then job `variables:`, in precedence order (later wins). */
  readonly variableLayers: readonly Readonly<Record<string, VariableDefinition>>[]
  readonly environment?: EnvironmentDefinition
  /** The job's `timeout:` in seconds; it becomes `exp - iat`. */
  readonly timeoutSeconds?: number
}

/** Top-level keys that are configuration, not jobs. */
const GLOBAL_KEYWORDS = new Set([
  'default', 'include', 'stages', 'variables', 'workflow', 'image', 'services', 'cache',
  'before_script', 'after_script', 'types', 'spec',
]) // prettier-ignore

/** Keys `default:` may provide (GitLab `Entry::Default`). */
const DEFAULT_KEYS = new Set([
  'after_script', 'artifacts', 'before_script', 'cache', 'hooks', 'id_tokens', 'image',
  'interruptible', 'retry', 'services', 'tags', 'timeout',
]) // prettier-ignore

const REFERENCE_KEY = '\u0000gitlab-reference'
const MAX_NESTING = 10

type Mapping = Record<string, unknown>
const isMapping = (value: unknown): value is Mapping =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function fail(message: string): never {
  throw new Error(`.gitlab-ci.yml: ${message}`)
}

function parseConfig(ciYaml: string): Mapping {
  // A file with a `spec:` header is two documents; the jobs are in the last one.
  const documents = parseAllDocuments(ciYaml, {
    merge: true,
    customTags: [{ tag: '!reference', collection: 'seq', resolve: (seq) => seq }],
  })
  const list = Array.isArray(documents) ? documents : []
  const document = list.at(-1)
  if (document === undefined) fail('the file is empty')
  const error = document.errors[0]
  if (error !== undefined) fail(`invalid YAML: ${error.message}`)
  visit(document, {
    Seq(_key, node) {
      if (node.tag === '!reference') return document.createNode({ [REFERENCE_KEY]: node.toJSON() })
      return undefined
    },
  })
  const config: unknown = document.toJS({ maxAliasCount: 1000 })
  if (!isMapping(config)) fail('the top level must be a mapping of jobs')
  return config
}

function resolveReferences(value: unknown, config: Mapping, depth = 0): unknown {
  if (depth > MAX_NESTING) fail(`!reference nested deeper than ${MAX_NESTING} levels`)
  if (Array.isArray(value)) return value.map((item) => resolveReferences(item, config, depth))
  if (!isMapping(value)) return value
  if (REFERENCE_KEY in value) {
    const path = value[REFERENCE_KEY]
    if (!Array.isArray(path) || path.some((part) => typeof part !== 'string')) {
      fail('!reference expects a list of keys')
    }
    let target: unknown = config
    for (const part of path as string[]) {
      if (!isMapping(target) || !(part in target)) fail(`!reference [${path.join(', ')}] not found`)
      target = target[part]
    }
    return resolveReferences(target, config, depth + 1)
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, resolveReferences(item, config, depth)]),
  )
}

function deepMerge(base: Mapping, over: Mapping): Mapping {
  const merged: Mapping = { ...base }
  for (const [key, value] of Object.entries(over)) {
    const previous = merged[key]
    merged[key] = isMapping(previous) && isMapping(value) ? deepMerge(previous, value) : value
  }
  return merged
}

function withExtends(name: string, config: Mapping, chain: readonly string[] = []): Mapping {
  const job = config[name]
  if (!isMapping(job)) fail(`${chain.at(-1) ?? name}: unknown key in \`extends\` (${name})`)
  if (chain.includes(name)) fail(`${chain[0] ?? name}: circular dependency detected in \`extends\``)
  if (chain.length > MAX_NESTING) fail(`${chain[0] ?? name}: nesting too deep in \`extends\``)
  const parents = job.extends === undefined ? [] : [job.extends].flat()
  let merged: Mapping = {}
  for (const parent of parents) {
    if (typeof parent !== 'string')
      fail(`${name}: \`extends\` must be a string or a list of strings`)
    merged = deepMerge(merged, withExtends(parent, config, [...chain, name]))
  }
  return deepMerge(merged, job)
}

function inherits(job: Mapping, kind: 'default' | 'variables', key: string): boolean {
  const setting = isMapping(job.inherit) ? job.inherit[kind] : undefined
  if (Array.isArray(setting)) return setting.includes(key)
  return setting !== false
}

const isAudience = (aud: unknown): aud is string | string[] =>
  typeof aud === 'string' || (Array.isArray(aud) && aud.every((item) => typeof item === 'string'))

function readIdTokens(job: string, value: unknown): IdTokenDefinition[] {
  if (value === undefined || value === null) return []
  const where = `jobs:${job}:id_tokens`
  if (!isMapping(value)) fail(`${where} config should be a hash`)
  return Object.entries(value).map(([name, entry]) => {
    if (!isMapping(entry)) fail(`${where}:${name} config should be a hash`)
    const extra = Object.keys(entry).filter((key) => key !== 'aud')
    if (extra.length > 0) fail(`${where}:${name} config contains unknown keys: ${extra.join(', ')}`)
    const aud = entry.aud
    if (aud === undefined) fail(`${where}:${name} config missing required keys: aud`)
    if (!isAudience(aud)) fail(`${where}:${name} aud should be an array of strings or a string`)
    return { name, aud }
  })
}

function scalarText(value: unknown): string | undefined {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

function readVariables(where: string, value: unknown): Record<string, VariableDefinition> {
  if (value === undefined || value === null) return {}
  if (!isMapping(value)) fail(`${where} config should be a hash of key value pairs`)
  const variables: Record<string, VariableDefinition> = {}
  for (const [name, definition] of Object.entries(value)) {
    const given = isMapping(definition) ? definition.value : definition
    const text = scalarText(given)
    if (text === undefined) fail(`${where}:${name} value should be a string`)
    const raw = isMapping(definition) && definition.expand === false
    variables[name] = raw ? { value: text, expand: false } : text
  }
  return variables
}

function readEnvironment(value: unknown): EnvironmentDefinition | undefined {
  if (typeof value === 'string') return { name: value }
  if (!isMapping(value) || typeof value.name !== 'string') return undefined
  return {
    name: value.name,
    ...(typeof value.action === 'string' ? { action: value.action } : {}),
    ...(typeof value.deployment_tier === 'string' ? { deploymentTier: value.deployment_tier } : {}),
  }
}

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }

/**
 * Parses a GitLab duration (`3600`, `1h 30m`, `2 hours`, `90 minutes`, `1d`) into seconds, or
 * `undefined` when it cannot.
 *
 * @example
 * ```ts
 * parseDuration('1h 30m') // 5400
 * ```
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return value > 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  if (/^\s*\d+\s*$/.test(value)) return Number(value)
  let total = 0
  let matched = false
  const rest = value
    .toLowerCase()
    .replace(/(\d+(?:\.\d+)?)\s*(s|m|h|d|w)[a-z]*/g, (_m, n: string, unit: string) => {
      total += Number(n) * (UNITS[unit] ?? 0)
      matched = true
      return ''
    })
  return matched && /^[\s,and]*$/.test(rest) && total > 0 ? Math.round(total) : undefined
}

/**
 * Finds a job and returns its `id_tokens:`, variables, environment and timeout, after applying
 * `extends:`, `default:`/`inherit:` and `!reference`. Throws an `Error` naming the job list when
 * the job does not exist, and GitLab's validation messages for a malformed `id_tokens:` entry.
 *
 * @example
 * ```ts
 * readJob(readFileSync('.gitlab-ci.yml', 'utf8'), 'deploy').idTokens
 * // [{ name: 'VAULT_ID_TOKEN', aud: 'https://vault.example.com' }]
 * ```
 */
export function readJob(ciYaml: string, jobName: string): JobDefinition {
  const config = parseConfig(ciYaml)
  const jobs = Object.keys(config).filter(
    (key) => !GLOBAL_KEYWORDS.has(key) && !key.startsWith('.'),
  )
  if (jobName.startsWith('.'))
    fail(`"${jobName}" is a hidden job (a template); GitLab never runs it`)
  if (!jobs.includes(jobName) || !isMapping(config[jobName])) {
    fail(`no job named "${jobName}"; jobs in this file: ${jobs.join(', ') || '(none)'}`)
  }
  const resolved = resolveReferences(config, config) as Mapping
  const job = withExtends(jobName, resolved)
  const defaults = isMapping(resolved.default) ? resolved.default : {}
  const effective: Mapping = { ...job }
  for (const [key, value] of Object.entries(defaults)) {
    if (DEFAULT_KEYS.has(key) && !(key in effective) && inherits(job, 'default', key)) {
      effective[key] = value
    }
  }
  const globalVariables = Object.fromEntries(
    Object.entries(readVariables('variables', resolved.variables)).filter(([name]) =>
      inherits(job, 'variables', name),
    ),
  )
  const environment = readEnvironment(effective.environment)
  const timeoutSeconds = parseDuration(effective.timeout)
  return {
    name: jobName,
    idTokens: readIdTokens(jobName, effective.id_tokens),
    variableLayers: [
      globalVariables,
      readVariables(`jobs:${jobName}:variables`, effective.variables),
    ],
    ...(environment === undefined ? {} : { environment }),
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
  }
}
