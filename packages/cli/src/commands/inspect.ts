/**
 * `gitlab-id-token inspect`: decode a token without verifying it, under a NOT VERIFIED banner.
 *
 * @module
 */

import { inspectToken, type InspectedToken } from '@gitlab-id-token/core'
import type { Command, CommandContext } from '../command.js'
import { stringFlag } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { atFrom, formatDate, humanDuration, relative } from '../parse-time.js'
import { readToken, TOKEN_FLAGS } from '../read-token.js'
import type { Style } from '../style.js'
import { formatSections, type Section } from '../table.js'

const str = (value: unknown): string | undefined =>
  value === undefined || value === null
    ? undefined
    : typeof value === 'string'
      ? value
      : JSON.stringify(value)

// "acme/widget (id 4242)", leaving out what the token does not carry.
function named(path: unknown, id: unknown): string | undefined {
  const p = str(path)
  const i = str(id)
  if (p === undefined && i === undefined) return undefined
  if (i === undefined) return p
  return p === undefined ? `id ${i}` : `${p} (id ${i})`
}

function row(label: string, value: string | undefined): (readonly [string, string])[] {
  return value === undefined || value === '' ? [] : [[label, value]]
}

const GROUPED = new Set([
  'project_id',
  'project_path',
  'namespace_id',
  'namespace_path',
  'user_id',
  'user_login',
  'user_email',
  'user_access_level',
  'user_identities',
  'job_project_id',
  'job_project_path',
  'job_namespace_id',
  'job_namespace_path',
  'pipeline_id',
  'pipeline_source',
  'job_id',
  'job_source',
  'runner_id',
  'runner_environment',
  'ref',
  'ref_type',
  'ref_path',
  'ref_protected',
  'sha',
  'ci_config_ref_uri',
  'ci_config_sha',
  'project_visibility',
  'environment',
  'environment_protected',
  'deployment_tier',
  'environment_action',
  'iss',
  'aud',
  'sub',
  'jti',
  'iat',
  'nbf',
  'exp',
])

/**
 * The claims grouped the way a GitLab user thinks about them.
 *
 * @example
 * ```ts
 * out.line(formatSections(claimSections(inspected, Date.now())))
 * ```
 */
export function claimSections(inspected: InspectedToken, nowMs: number): Section[] {
  const c = inspected.claims
  const { times } = inspected
  const when = (date: Date | undefined): string | undefined =>
    date === undefined ? undefined : `${formatDate(date)} (${relative(date.getTime(), nowMs)})`
  const sameProject = c.job_project_id === undefined || c.job_project_id === c.project_id
  const protectedRef = c.ref_protected === '' ? '"" (unknown)' : str(c.ref_protected)
  return [
    {
      title: 'who',
      rows: [
        ...row('project', named(c.project_path, c.project_id)),
        ...row('namespace', named(c.namespace_path, c.namespace_id)),
        ...row('visibility', str(c.project_visibility)),
        ...row('user', named(c.user_login, c.user_id)),
        ...row('access level', str(c.user_access_level)),
        ...row('email', str(c.user_email)),
      ],
    },
    {
      title: 'what pipeline',
      rows: [
        ...row('pipeline', named(undefined, c.pipeline_id)?.replace(/^id /, '')),
        ...row('source', str(c.pipeline_source)),
        ...row('job', str(c.job_id)),
        ...row(
          'job runs in',
          sameProject ? undefined : named(c.job_project_path, c.job_project_id),
        ),
        ...row('runner', [str(c.runner_id), str(c.runner_environment)].filter(Boolean).join(', ')),
        ...row('environment', str(c.environment)),
        ...row('tier', str(c.deployment_tier)),
        ...row('env protected', str(c.environment_protected)),
      ],
    },
    {
      title: 'which ref',
      rows: [
        ...row('ref', [str(c.ref), str(c.ref_type)].filter(Boolean).join(' ')),
        ...row('protected', protectedRef),
        ...row('ref path', str(c.ref_path)),
        ...row('sha', str(c.sha)),
        ...row('ci config', str(c.ci_config_ref_uri)),
      ],
    },
    {
      title: 'where it may be used',
      rows: [
        ...row('issuer', str(c.iss)),
        ...row('audience', Array.isArray(c.aud) ? c.aud.map(String).join(', ') : str(c.aud)),
        ...row('subject', str(c.sub)),
      ],
    },
    {
      title: 'when',
      rows: [
        ...row('issued', when(times.issuedAt)),
        ...row('not before', when(times.notBefore)),
        ...row('expires', when(times.expiresAt)),
        ...row(
          'job timeout',
          times.lifetimeSeconds === undefined
            ? undefined
            : `${humanDuration(times.lifetimeSeconds)} (exp - iat)`,
        ),
      ],
    },
    {
      title: 'other claims',
      rows: Object.entries(c)
        .filter(([name]) => !GROUPED.has(name))
        .map(([name, value]) => [name, JSON.stringify(value)] as const),
    },
  ]
}

/**
 * The "token sha256:… (jti …)" line: how every command names a token without printing it.
 *
 * @example
 * ```ts
 * tokenLine('sha256:3f1a9c0b2d4e5f60', '7f0c…') // 'sha256:3f1a9c0b2d4e5f60  jti 7f0c…'
 * ```
 */
export function tokenLine(fingerprint: string, jti: unknown): string {
  return typeof jti === 'string' ? `${fingerprint}  jti ${jti}` : fingerprint
}

/**
 * The warnings, one per line: `!` for a warning, `i` for advice.
 *
 * @example
 * ```ts
 * warningLines(inspected.warnings, style)
 * ```
 */
export function warningLines(warnings: InspectedToken['warnings'], style: Style): string[] {
  return warnings.map((w) =>
    w.severity === 'warning' ? style.yellow(`  ! ${w.message}`) : style.dim(`  i ${w.message}`),
  )
}

async function run(context: CommandContext): Promise<number> {
  const { out } = context
  const { token } = await readToken(context)
  const at = atFrom(stringFlag(context, 'at'), context.io.env)
  const now = at ?? Date.now()
  const inspected = inspectToken(token, { now })
  if (out.json) {
    out.document('inspect', { ok: true, ...inspected })
    return EXIT.ok
  }
  const s = out.style
  out.line(
    s.bold(s.red('NOT VERIFIED')) +
      s.red(': decoded only, nothing here is proof of anything (gitlab-id-token verify checks it)'),
  )
  out.line()
  const kind = {
    ci: 'CI/CD job token',
    'user-login': 'GitLab user-login OIDC token',
    unknown: 'not a GitLab CI/CD token',
  }
  out.line(
    formatSections(
      [
        {
          title: 'token',
          rows: [
            ['fingerprint', tokenLine(inspected.fingerprint, inspected.claims.jti)],
            ['kind', kind[inspected.kind]],
            [
              'header',
              Object.entries(inspected.header)
                .map(([k, v]) => `${k} ${str(v) ?? ''}`)
                .join(', '),
            ],
          ],
        },
        ...claimSections(inspected, now),
      ],
      s.bold,
    ),
  )
  if (inspected.warnings.length > 0) {
    out.line()
    out.line(s.bold('warnings'))
    for (const line of warningLines(inspected.warnings, s)) out.line(line)
  }
  return EXIT.ok
}

/** `inspect [TOKEN|-|@file]`. */
export const inspect: Command = {
  name: 'inspect',
  usage: 'inspect [TOKEN|-|@file] [--at TIME] [--json]',
  description:
    'Decodes the token\'s header and claims without checking anything, under a NOT VERIFIED banner: claims grouped by who, which pipeline, which ref and where the token may be used; times as dates and relative; exp - iat as the job timeout; warnings for user-login tokens, expiry, ref_protected "", fork merge requests, and path claims where an ID pin is safer. The token itself is never printed, only a fingerprint and its jti.',
  flags: {
    ...TOKEN_FLAGS,
    at: {
      type: 'string',
      value: 'TIME',
      help: 'the clock for relative times (default $GITLAB_ID_TOKEN_AT, else now)',
    },
  },
  examples: [
    'gitlab-id-token inspect @token.txt',
    'printenv DEPLOY_TOKEN | gitlab-id-token inspect --json | jq .claims.project_path',
  ],
  maxPositionals: 1,
  run,
}
