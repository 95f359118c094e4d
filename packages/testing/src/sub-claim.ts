/**
 * The `sub` claim as GitLab assembles it from the project's `ci_id_token_sub_claim_components`
 * (`lib/gitlab/ci/jwt_v2.rb`): `key:value` pairs joined with `:`, nothing escaped, and a component
 * whose value is nil dropped together with its key.
 *
 * @module
 */

/**
 * A component a project may put in its `sub`: GitLab's `ALLOWED_SUB_CLAIM_COMPONENTS`
 * (`project_path ref_type ref`), the 18.7 additions and the job / source project of MR !258245
 * (both docs-only).
 *
 * @example
 * ```ts
 * const first: SubComponent = 'job_project_id'
 * ```
 */
export type SubComponent =
  | 'project_path'
  | 'ref_type'
  | 'ref'
  | 'ref_protected'
  | 'environment_protected'
  | 'deployment_tier'
  | 'job_project_path'
  | 'job_project_id'
  | 'source_project_path'
  | 'source_project_id'

/**
 * GitLab's default, `project_path:{path}:ref_type:{branch|tag}:ref:{ref}`.
 *
 * @example
 * ```ts
 * buildSub(DEFAULT_SUB_COMPONENTS, claims) // 'project_path:acme/widget:ref_type:branch:ref:main'
 * ```
 */
export const DEFAULT_SUB_COMPONENTS: readonly SubComponent[] = Object.freeze([
  'project_path',
  'ref_type',
  'ref',
])

const FIRST: ReadonlySet<string> = new Set([
  'project_path',
  'job_project_path',
  'job_project_id',
  'source_project_path',
  'source_project_id',
])
const ALLOWED: ReadonlySet<string> = new Set([
  ...FIRST,
  'ref_type',
  'ref',
  'ref_protected',
  'environment_protected',
  'deployment_tier',
])

/**
 * Builds `sub` from `components`, reading each value from `values` (the claim set plus the
 * source-project facts). Throws a `TypeError` with GitLab's validation rules when the list would
 * be refused by the project settings (empty, unknown, repeated, or a first component that does
 * not name the project).
 *
 * @example
 * ```ts
 * buildSub(['job_project_id', 'ref'], { job_project_id: '42', ref: 'main' }) // 'job_project_id:42:ref:main'
 * buildSub(['project_path', 'deployment_tier'], { project_path: 'g/p' })     // 'project_path:g/p' (nil dropped)
 * ```
 */
export function buildSub(
  components: readonly string[],
  values: Readonly<Record<string, unknown>>,
): string {
  const [first] = components
  if (first === undefined || !FIRST.has(first)) {
    throw new TypeError(
      `subComponents: the first component must name the project (${[...FIRST].join(', ')})`,
    )
  }
  const unknown = components.find((name) => !ALLOWED.has(name))
  if (unknown !== undefined) throw new TypeError(`subComponents: "${unknown}" is not allowed`)
  if (new Set(components).size !== components.length) {
    throw new TypeError('subComponents: a component appears twice')
  }
  return components
    .flatMap((name) => {
      const value = values[name]
      if (value === undefined || value === null) return []
      return [`${name}:${typeof value === 'string' ? value : JSON.stringify(value)}`]
    })
    .join(':')
}
