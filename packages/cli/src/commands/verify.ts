/**
 * `gitlab-id-token verify`: the full verification a service would run, with the answer as an exit
 * code (0 allowed, 1 refused, 2 denied, 3 key set unavailable, 4 usage).
 *
 * @module
 */

import { isGitlabIdTokenError, tokenFingerprint, type VerifyResult } from '@gitlab-id-token/core'
import { assertGrants } from '@gitlab-id-token/core/adapter'
import { buildVerifier, VERIFIER_FLAGS } from '../build-verifier.js'
import type { Command, CommandContext } from '../command.js'
import { EXIT, exitCodeFor } from '../exit-codes.js'
import { formatDate, relative } from '../parse-time.js'
import { readToken, TOKEN_FLAGS } from '../read-token.js'
import { checksTable } from '../render-explanation.js'
import { formatSections } from '../table.js'
import { tokenLine } from './inspect.js'

async function run(context: CommandContext): Promise<number> {
  const { out } = context
  const { token } = await readToken(context)
  const built = await buildVerifier(context, { audienceRequired: true })
  const fingerprint = tokenFingerprint(token)
  const s = out.style
  let result: VerifyResult
  try {
    result = await built.verifier.verify(token)
    // The adapters' check: ERR_INSUFFICIENT_SCOPE with the rules that would have given the grant.
    if (built.required.length > 0) assertGrants(result, built.required)
  } catch (error) {
    if (!isGitlabIdTokenError(error) || error.code === 'ERR_INVALID_CONFIG') throw error
    // The failure verify() stops at, then every other check, so one run says everything.
    const report = await built.verifier.explain(token, { require: built.required })
    const jti = report.claims?.jti
    if (out.json) {
      out.document('verify', {
        ok: false,
        code: error.code,
        status: error.status,
        message: error.message,
        details: error.details,
        token: { fingerprint, jti: typeof jti === 'string' ? jti : null },
        failed: report.checks.filter((check) => check.status === 'fail'),
      })
      return exitCodeFor(error.code)
    }
    const word = error.status === 403 ? 'denied' : error.status === 503 ? 'unavailable' : 'refused'
    out.line(s.red(`✗ ${word}: ${error.code} (${error.status}, exit ${exitCodeFor(error.code)})`))
    out.line(`  token  ${tokenLine(fingerprint, jti)}`)
    out.line()
    out.line(checksTable(report, s, 'failed'))
    out.line()
    out.line(s.dim('every check and every rule: gitlab-id-token explain, same flags'))
    return exitCodeFor(error.code)
  }
  const now = built.at ?? Date.now()
  const { claims } = result
  if (out.json) {
    out.document('verify', {
      ok: true,
      token: { fingerprint, jti: claims.jti },
      issuer: result.issuer,
      rules: result.rules,
      grants: result.grants,
      expiresAt: result.expiresAt.toISOString(),
      policy: built.policyGiven,
      claims,
    })
    return EXIT.ok
  }
  const grants = result.grants.length === 0 ? '(no grants)' : result.grants.join(', ')
  out.line(
    s.green(
      built.policyGiven
        ? `✓ verified and allowed: ${grants}`
        : '✓ verified (no --policy: validity only)',
    ),
  )
  out.line()
  out.line(
    formatSections([
      {
        title: 'token',
        rows: [
          ['fingerprint', tokenLine(fingerprint, claims.jti)],
          ['issuer', result.issuer],
          ['project', `${claims.project_path} (id ${claims.project_id})`],
          ['pipeline', `${claims.pipeline_id}, job ${claims.job_id} (${claims.pipeline_source})`],
          ['ref', `${claims.ref} (${claims.ref_type}, protected ${claims.ref_protected})`],
          ...(claims.environment == null ? [] : [['environment', claims.environment] as const]),
          [
            'expires',
            `${formatDate(result.expiresAt)} (${relative(result.expiresAt.getTime(), now)})`,
          ],
          ...(built.policyGiven
            ? ([
                ['rules', result.rules.join(', ')],
                ['grants', grants],
              ] as const)
            : []),
        ],
      },
    ]),
  )
  return EXIT.ok
}

/** `verify [TOKEN|-|@file] --audience A …`. */
export const verify: Command = {
  name: 'verify',
  usage:
    'verify [TOKEN|-|@file] --audience A [--issuer I] [--jwks FILE|URL] [--policy FILE] [--require GRANT…] [--at TIME] [--json]',
  description:
    'Runs the full core verification. Exit 0: verified (and allowed, with --policy); 1: refused (malformed, signature, issuer, audience, expired, not a CI token); 2: valid but denied by the policy or missing a --require grant; 3: the key set could not be fetched (retry); 4: usage or configuration error. On a refusal it prints every failing check, not just the first. --at asks "was it valid then".',
  flags: { ...TOKEN_FLAGS, ...VERIFIER_FLAGS },
  examples: [
    'printenv DEPLOY_TOKEN | gitlab-id-token verify --audience https://deploy.acme.example --issuer https://gitlab.example.com --policy policy.yaml --require deploy:production',
  ],
  maxPositionals: 1,
  run,
}
