/**
 * `gitlab-id-token lint FILE`: a policy or a gateway config, checked before rollout.
 *
 * @module
 */

import type { Command, CommandContext } from '../command.js'
import { booleanFlag } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { findingsTable, type Finding } from '../lint/finding.js'
import { lintGateway } from '../lint/lint-gateway.js'
import { lintPolicy } from '../lint/lint-policy.js'
import { isRecord, readDocument } from '../read-document.js'
import { UsageError } from '../usage-error.js'

async function run(context: CommandContext): Promise<number> {
  const { out, io } = context
  const file = context.positionals[0]
  if (file === undefined)
    throw new UsageError('lint needs a file', 'usage: gitlab-id-token lint policy.yaml')
  const document = await readDocument(file, io.cwd)
  const kind =
    isRecord(document) && ('routes' in document || 'profile' in document) ? 'gateway' : 'policy'
  const findings: Finding[] =
    kind === 'gateway' ? await lintGateway(document, file, io.cwd) : lintPolicy(document)
  const errors = findings.filter((f) => f.severity === 'error').length
  const warnings = findings.length - errors
  const strict = booleanFlag(context, 'strict')
  const exit = errors > 0 || (strict && warnings > 0) ? EXIT.problems : EXIT.ok
  if (out.json) {
    out.document('lint', {
      ok: exit === EXIT.ok,
      code: exit === EXIT.ok ? null : 'ERR_LINT',
      file,
      kind,
      errors,
      warnings,
      findings,
    })
    return exit
  }
  const s = out.style
  if (findings.length === 0) {
    out.line(s.green(`✓ ${file}: ${kind} is clean`))
    return exit
  }
  out.line(findingsTable(findings, s))
  out.line()
  const summary = `${file}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`
  out.line(exit === EXIT.ok ? s.yellow(`~ ${summary}`) : s.red(`✗ ${summary}`))
  return exit
}

/** `lint FILE`. */
export const lint: Command = {
  name: 'lint',
  usage: 'lint FILE [--strict] [--json]',
  description:
    'Checks a policy (allow/deny) or a gateway config (routes): errors for what would not load or is unsafe (schema, unknown claims, allow rules without a tenant pin, shadowed routes, identity headers that can be empty), warnings for smells: shadowed rules, a namespace glob "group/**" without the group itself, path pins where an ID pin exists, ci_config_ref_uri pins without ref_protected, regex and function matchers, allowAnyProject, grants on a deny rule, replay: once without a store. Exit 1 on errors (and on warnings with --strict), else 0.',
  flags: { strict: { type: 'boolean', help: 'warnings fail too (exit 1)' } },
  examples: [
    'gitlab-id-token lint policy.yaml',
    'gitlab-id-token lint gateway.yaml --strict --json | jq .findings',
  ],
  maxPositionals: 1,
  run,
}
