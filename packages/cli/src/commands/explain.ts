/**
 * `gitlab-id-token explain`: every check and every rule, every failing claim with expected vs
 * actual; with a gateway config, which route matched and why the others did not.
 *
 * @module
 */

import { tokenFingerprint } from '@gitlab-id-token/core'
import { buildVerifier, VERIFIER_FLAGS } from '../build-verifier.js'
import type { Command, CommandContext } from '../command.js'
import { booleanFlag, stringFlag } from '../command.js'
import { exitCodeFor } from '../exit-codes.js'
import { explainRoute, ROUTE_FLAGS } from '../gateway-route.js'
import { readToken, TOKEN_FLAGS } from '../read-token.js'
import { checksTable, renderExplanation } from '../render-explanation.js'
import { tokenLine } from './inspect.js'

async function run(context: CommandContext): Promise<number> {
  const { out } = context
  const { token } = await readToken(context)
  const route =
    stringFlag(context, 'config') === undefined ? undefined : await explainRoute(context)
  const built = await buildVerifier(context, {
    audienceRequired: false,
    policyRequired: route === undefined,
    ...(route?.settings === undefined ? {} : { route: route.settings }),
  })
  const offline = booleanFlag(context, 'no-verify')
  const report = await built.verifier.explain(token, {
    require: built.required,
    verifySignature: !offline,
    checkAudience: built.audienceGiven,
    ...(built.at === undefined ? {} : { now: built.at }),
  })
  const fingerprint = tokenFingerprint(token)
  const jti = report.claims?.jti
  const exit = route?.code === undefined ? exitCodeFor(report.code) : exitCodeFor(route.code)
  if (out.json) {
    const { ok: _ok, code: _code, ...rest } = report
    out.document('explain', {
      ok: report.ok && report.verified && route?.code === undefined,
      code: route?.code ?? report.code ?? null,
      token: { fingerprint, jti: typeof jti === 'string' ? jti : null },
      offline,
      ...(route === undefined ? {} : { route: route.report }),
      ...rest,
    })
    return exit
  }
  const s = out.style
  const banner = report.verified
    ? s.green('signature verified')
    : s.bold(s.red('NOT VERIFIED')) +
      s.red(
        offline
          ? ' (--no-verify: offline, claims unchecked)'
          : ' (the claims below are unverified)',
      )
  out.line(`token  ${tokenLine(fingerprint, jti)}  ${banner}`)
  out.line()
  if (route !== undefined) {
    out.line(route.text(s))
    out.line()
  }
  if (route?.code !== undefined) {
    // No route, no policy: only the token's own checks mean anything.
    out.line(s.dim('the token itself (no route matched, so no policy applies):'))
    out.line(
      checksTable({ ...report, checks: report.checks.filter((c) => c.name !== 'policy') }, s),
    )
  } else {
    out.line(renderExplanation(report, s))
  }
  return exit
}

/** `explain [TOKEN|-|@file] --policy FILE …`. */
export const explain: Command = {
  name: 'explain',
  usage:
    'explain [TOKEN|-|@file] --policy FILE [--audience A] [--issuer I] [--no-verify] [--require GRANT…] [--config gateway.yaml --method M --url U] [--json]',
  description:
    "Runs every check of verify without stopping at the first failure (shape, algorithm, issuer, key, signature, audience, CI-token shape, times, the policy, grants) and evaluates every allow and deny rule on its own, listing each failing claim with the expected matcher and the actual value. A check that could not run says why. --no-verify works offline on the decoded token, and marks every claim check unverified. With --config, the route the gateway would pick for --method and --url, and why each other route did not match; the policy is that route's. Exit codes as for verify.",
  flags: {
    ...TOKEN_FLAGS,
    ...VERIFIER_FLAGS,
    'no-verify': { type: 'boolean', help: 'do not fetch keys or check the signature (offline)' },
    ...ROUTE_FLAGS,
  },
  examples: [
    'gitlab-id-token explain @token.txt --policy policy.yaml --audience https://deploy.acme.example --issuer https://gitlab.example.com',
    'gitlab-id-token explain @token.txt --config gateway.yaml --method POST --url https://deploy.acme.example/deploy/production',
  ],
  maxPositionals: 1,
  run,
}
