/**
 * Validating a parsed `gateway.yaml` against the shipped `gateway.schema.json`: the one place a
 * config's shape is checked, so editors (yaml-language-server), `gitlab-id-token lint` and the
 * gateway agree on what is valid.
 *
 * @module
 */

import { readFileSync } from 'node:fs'
import { GitlabIdTokenError } from '@gitlab-id-token/core'

/** The subset of JSON Schema 2020-12 the shipped schema uses. */
interface Schema {
  readonly $ref?: string
  readonly type?: string
  readonly enum?: readonly unknown[]
  readonly const?: unknown
  readonly anyOf?: readonly Schema[]
  readonly properties?: Readonly<Record<string, Schema>>
  readonly required?: readonly string[]
  readonly additionalProperties?: boolean | Schema
  readonly propertyNames?: Schema
  readonly items?: Schema
  readonly minItems?: number
  readonly minLength?: number
  readonly minimum?: number
  readonly maximum?: number
  readonly pattern?: string
  readonly description?: string
  readonly $defs?: Readonly<Record<string, Schema>>
}

let loaded: Schema | undefined

/**
 * The parsed `gateway.schema.json` shipped next to `dist/` (and `src/`).
 *
 * @example
 * ```ts
 * gatewaySchema().properties?.profile // { enum: ['nginx', …] }
 * ```
 */
export function gatewaySchema(): Schema {
  loaded ??= JSON.parse(
    readFileSync(new URL('../gateway.schema.json', import.meta.url), 'utf8'),
  ) as Schema
  return loaded
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  return typeof value === 'number' || typeof value === 'boolean'
    ? `${typeof value} ${value}`
    : typeof value
}

function typeOk(type: string, value: unknown): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
    case 'array':
      return Array.isArray(value)
    case 'integer':
      return Number.isSafeInteger(value)
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    default:
      return typeof value === type
  }
}

const hint = (schema: Schema): string =>
  schema.description === undefined ? '' : ` (${schema.description})`

/** Returns the first problem found, as `key: what is wrong and what to write instead`. */
function check(schema: Schema, value: unknown, key: string, root: Schema): string | undefined {
  if (schema.$ref !== undefined) {
    const target = root.$defs?.[schema.$ref.replace('#/$defs/', '')]
    if (target === undefined) return `${key}: internal schema error (${schema.$ref})`
    const { $ref: _ref, ...local } = schema
    return check({ ...target, ...local }, value, key, root)
  }
  if (schema.anyOf !== undefined) {
    const problems = schema.anyOf.map((branch) => check(branch, value, key, root))
    if (problems.some((p) => p === undefined)) return undefined
    // The branch of the same JSON type explains best what to change; otherwise list the forms.
    const sameType = schema.anyOf.findIndex((b) => b.type !== undefined && typeOk(b.type, value))
    if (sameType !== -1) return problems[sameType]
    const forms = schema.anyOf.map((b) => b.description ?? b.type ?? JSON.stringify(b.const))
    return `${key} is ${describe(value)}: write ${forms.join(', or ')}${hint(schema)}`
  }
  if (schema.const !== undefined && value !== schema.const) {
    return `${key} must be ${JSON.stringify(schema.const)}, not ${describe(value)}`
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    return `${key} is ${describe(value)}: use one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}${hint(schema)}`
  }
  if (schema.type !== undefined && !typeOk(schema.type, value)) {
    return `${key} is ${describe(value)}: it must be ${/^[aeiou]/.test(schema.type) ? 'an' : 'a'} ${schema.type}${hint(schema)}`
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      return `${key} must not be empty${hint(schema)}`
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      return `${key} is ${describe(value)}: it must match ${schema.pattern}${hint(schema)}`
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) {
      return `${key} is ${value}: it must be at least ${schema.minimum}${hint(schema)}`
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      return `${key} is ${value}: it must be at most ${schema.maximum}${hint(schema)}`
    }
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      return `${key} needs at least ${schema.minItems} item(s)${hint(schema)}`
    }
    if (schema.items !== undefined) {
      for (const [i, item] of value.entries()) {
        const problem = check(schema.items, item, `${key}[${i}]`, root)
        if (problem !== undefined) return problem
      }
    }
  }
  if (typeOk('object', value))
    return checkObject(schema, value as Record<string, unknown>, key, root)
  return undefined
}

function checkObject(
  schema: Schema,
  value: Record<string, unknown>,
  key: string,
  root: Schema,
): string | undefined {
  const at = (name: string): string => (key === '' ? name : `${key}.${name}`)
  for (const name of schema.required ?? []) {
    if (value[name] === undefined) {
      return `${at(name)} is required${hint(schema.properties?.[name] ?? {})}`
    }
  }
  for (const [name, member] of Object.entries(value)) {
    const known = schema.properties?.[name]
    if (schema.propertyNames !== undefined) {
      const problem = check(schema.propertyNames, name, `${at(name)} (the key)`, root)
      if (problem !== undefined) return problem
    }
    if (known !== undefined) {
      const problem = check(known, member, at(name), root)
      if (problem !== undefined) return problem
    } else if (schema.additionalProperties === false) {
      const names = Object.keys(schema.properties ?? {}).filter((n) => n !== '$schema')
      return `${at(name)} is not a known key: remove it, or use one of ${names.join(', ')}`
    } else if (typeof schema.additionalProperties === 'object') {
      const problem = check(schema.additionalProperties, member, at(name), root)
      if (problem !== undefined) return problem
    }
  }
  return undefined
}

/**
 * Checks a parsed config against `gateway.schema.json`.
 *
 * @param value - the parsed YAML or JSON document.
 * @param source - the file name, prefixed to the message.
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` whose message names the key and what to change,
 *   e.g. `gateway.yaml: routes[0].match.path is "deploy": it must match ^/ (a path prefix…)`.
 * @example
 * ```ts
 * validateGatewayDocument(YAML.parse(text), 'gateway.yaml')
 * ```
 */
export function validateGatewayDocument(value: unknown, source = 'gateway config'): void {
  const root = gatewaySchema()
  const problem = check(root, value, '', root)
  if (problem !== undefined) {
    const text = problem.startsWith(' is') ? `the document${problem}` : problem
    throw new GitlabIdTokenError('ERR_INVALID_CONFIG', `${source}: ${text}`)
  }
}
