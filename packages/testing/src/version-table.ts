/**
 * The testing README's version × claim table, rendered from core's claim table so the two cannot
 * drift (a test compares the README with {@link renderVersionTable}).
 *
 * @module
 */

import { CLAIMS, CLAIM_NAMES } from '@gitlab-id-token/core'
import type { ClaimName, ClaimPresence } from '@gitlab-id-token/core'

import { claimAvailability, GITLAB_VERSIONS } from './gitlab-version.js'

/** The README markers the generated table sits between. @internal */
export const VERSION_TABLE_MARKERS = {
  start: '<!-- version-table:start (generated from CLAIMS; see test/version-table.test.ts) -->',
  end: '<!-- version-table:end -->',
} as const

const SYMBOL: Readonly<Record<ClaimPresence, string>> = {
  always: '✓',
  nullable: '✓ⁿ',
  environment: 'env',
  runner: 'runner',
  flag: '✓',
  'user-setting': 'opt-in',
  'policy-job': 'policy',
  'config-source': 'repo',
  unconfirmed: '?',
}

/** The legend printed under the table, one entry per symbol. @internal */
export const VERSION_TABLE_LEGEND: readonly (readonly [string, string])[] = [
  ['✓', 'in every token'],
  ['✓ⁿ', 'in every token; the value may be `null`'],
  ['env', 'only for jobs with an `environment:`'],
  ['runner', 'only once a runner picked the job'],
  ['opt-in', 'only when the user enabled it (`pass_user_identities_to_ci_jwt`)'],
  ['policy', 'only for jobs a pipeline execution policy injected'],
  ['flag', 'only with the feature flag on (`featureFlags.ci_jwt_groups_direct`)'],
  ['repo', 'for repository configs; absent for other config sources'],
  ['repoⁿ', 'for repository configs; `null` for other config sources'],
  ['repo+flag', 'other config sources only with `featureFlags.default_jwt_ci_config_ref_uri`'],
  ['✓ˢ', "every config source; synthesised from the project's CI config path otherwise"],
  ['–', 'absent'],
  ['?', 'documented by GitLab, not seen in its code; the mock never emits it'],
]

function cell(name: ClaimName, version: string): string {
  const row = CLAIMS[name]
  if (row.presence === 'unconfirmed') return SYMBOL.unconfirmed
  const repository = claimAvailability(name, { gitlabVersion: version })
  if (repository === 'absent') return '–'
  if (repository === 'flag') return 'flag'
  if (row.presence !== 'config-source') return SYMBOL[row.presence]
  const other = { gitlabVersion: version, configSource: 'remote' } as const
  const elsewhere = claimAvailability(name, other)
  if (elsewhere === 'null') return 'repoⁿ'
  if (elsewhere === 'synthesised') return '✓ˢ'
  const flagged = claimAvailability(name, {
    ...other,
    featureFlags: { default_jwt_ci_config_ref_uri: true },
  })
  return flagged === 'synthesised' ? 'repo+flag' : 'repo'
}

/**
 * The markdown table (claims × {@link GITLAB_VERSIONS}), then its legend.
 *
 * @example
 * ```ts
 * renderVersionTable().split('\n')[0] // '| claim | 15.7 | 16.0 | …'
 * ```
 */
export function renderVersionTable(): string {
  const rows = [
    ['claim', ...GITLAB_VERSIONS],
    GITLAB_VERSIONS.map(() => '---').concat('---'),
    ...CLAIM_NAMES.map((name) => [`\`${name}\``, ...GITLAB_VERSIONS.map((v) => cell(name, v))]),
  ]
  const legend = VERSION_TABLE_LEGEND.map(([symbol, meaning]) => `- \`${symbol}\`: ${meaning}`)
  return [...rows.map((row) => `| ${row.join(' | ')} |`), '', ...legend].join('\n')
}
