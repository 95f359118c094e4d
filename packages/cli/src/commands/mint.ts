/**
 * `gitlab-id-token mint`: tokens as a job's `id_tokens:` would get them, signed only with a mock
 * issuer's key.
 *
 * @module
 */

import { createMockGitlab } from '@gitlab-id-token/testing'
import { seconds } from '../build-verifier.js'
import type { Command, CommandContext } from '../command.js'
import { booleanFlag, listFlag, stringFlag } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { readMockKeys } from '../keys-file.js'
import { atFrom } from '../parse-time.js'
import { readText } from '../read-document.js'
import { UsageError } from '../usage-error.js'

/**
 * `k=v` pairs to an object: `k=v` is the string `v` (GitLab sends IDs and booleans as strings),
 * `k:=json` the JSON value (`runner_id:=42`, `aud:=["a","b"]`).
 *
 * @example
 * ```ts
 * parsePairs(['project_id=4242', 'runner_id:=42'], '--claim') // { project_id: '4242', runner_id: 42 }
 * ```
 */
export function parsePairs(pairs: readonly string[], flag: string): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const pair of pairs) {
    const json = /^([^=:]+):=(.*)$/s.exec(pair)
    if (json !== null) {
      try {
        result[json[1]!] = JSON.parse(json[2]!) as unknown
      } catch {
        throw new UsageError(`${flag} ${pair}: the value after := is not JSON`)
      }
      continue
    }
    const index = pair.indexOf('=')
    if (index <= 0) throw new UsageError(`${flag} ${pair}: expected NAME=VALUE (or NAME:=JSON)`)
    result[pair.slice(0, index)] = pair.slice(index + 1)
  }
  return result
}

async function run(context: CommandContext): Promise<number> {
  const { out, io } = context
  const keysPath = stringFlag(context, 'keys')
  if (keysPath === undefined) {
    throw new UsageError(
      '--keys is required',
      'start one with: gitlab-id-token mock-issuer --keys-out mock-keys.json',
    )
  }
  const ci = stringFlag(context, 'ci')
  const job = stringFlag(context, 'job')
  const claims = parsePairs(listFlag(context, 'claim'), '--claim')
  if (
    ci === undefined &&
    listFlag(context, 'claim').length === 0 &&
    !booleanFlag(context, 'user-login')
  ) {
    throw new UsageError('give --ci FILE --job NAME, or --claim NAME=VALUE…')
  }
  if ((ci === undefined) !== (job === undefined)) throw new UsageError('--ci and --job go together')
  const format = stringFlag(context, 'format') ?? (out.json ? 'json' : 'env')
  if (format !== 'env' && format !== 'json') throw new UsageError('--format is env or json')
  const keys = await readMockKeys(keysPath, io.cwd)
  const at = atFrom(stringFlag(context, 'at'), io.env)
  // Validated: `Number('1h')` is NaN, which the mock would sign as `"exp": null`.
  const expiresIn = seconds(context, 'expires-in')
  const timing = {
    ...(at === undefined ? {} : { now: at }),
    ...(expiresIn === undefined ? {} : { expiresIn }),
  }
  const project = stringFlag(context, 'project')
  const ref = stringFlag(context, 'ref')
  const overrides = {
    ...(project === undefined ? {} : { project_path: project }),
    ...(ref === undefined ? {} : { ref }),
    ...claims,
  }
  const gitlab = await createMockGitlab({
    issuer: keys.issuer,
    ciKey: keys.ciKey,
    userKey: keys.userKey,
  })
  let tokens: Record<string, string>
  try {
    if (booleanFlag(context, 'user-login')) {
      tokens = { [stringFlag(context, 'name') ?? 'ID_TOKEN']: gitlab.mintUserToken(claims, timing) }
    } else if (ci !== undefined && job !== undefined) {
      const variables = parsePairs(listFlag(context, 'var'), '--var') as Record<string, string>
      tokens = gitlab.mintForJob(await readText(ci, io.cwd), job, {
        ...overrides,
        ...timing,
        variables,
      })
      if (Object.keys(tokens).length === 0) {
        throw new UsageError(`job ${job} has no id_tokens: in ${ci}`)
      }
    } else {
      tokens = { [stringFlag(context, 'name') ?? 'ID_TOKEN']: gitlab.mint(overrides, timing) }
    }
  } catch (error) {
    if (error instanceof UsageError) throw error
    // readJob's messages name the file problem (no such job, bad YAML, …).
    throw new UsageError((error as Error).message)
  } finally {
    await gitlab.close()
  }
  if (format === 'json') {
    out.document('mint', { ok: true, issuer: keys.issuer, tokens })
  } else {
    for (const [name, token] of Object.entries(tokens)) out.line(`${name}=${token}`)
  }
  return EXIT.ok
}

/** `mint --keys FILE (--ci FILE --job NAME | --claim k=v…)`. */
export const mint: Command = {
  name: 'mint',
  usage:
    'mint --keys FILE (--ci .gitlab-ci.yml --job NAME | --claim K=V…) [--project P] [--ref R] [--var K=V…] [--format env|json]',
  description:
    "Signs GitLab-shaped CI/CD ID tokens with the keys of a mock issuer (mock-issuer --keys-out); it refuses any other key file. With --ci and --job, one token per entry of the job's id_tokens:, each with its aud expanded as GitLab does ($VARIABLES from the file, --var and the predefined ones), printed as NAME=token lines (--format env, for a .env file or eval) or JSON. --project and --ref set the pipeline; --claim overrides any claim (NAME=VALUE is a string, NAME:=JSON a JSON value). --user-login mints a GitLab user-login token instead (every verifier must refuse it).",
  flags: {
    keys: {
      type: 'string',
      value: 'FILE',
      help: 'the keys file of a mock issuer (mock-issuer --keys-out)',
    },
    ci: { type: 'string', value: 'FILE', help: 'a .gitlab-ci.yml' },
    job: { type: 'string', value: 'NAME', help: 'the job whose id_tokens: to mint' },
    project: {
      type: 'string',
      value: 'PATH',
      help: 'project_path of the pipeline (e.g. acme/widget)',
    },
    ref: {
      type: 'string',
      value: 'REF',
      help: 'the branch or tag (ref_protected is true for main/master)',
    },
    var: { type: 'string', multiple: true, value: 'K=V', help: 'a CI/CD variable for aud: $VAR' },
    claim: {
      type: 'string',
      multiple: true,
      value: 'K=V',
      help: 'set a claim (K:=JSON for a non-string)',
    },
    name: { type: 'string', value: 'VAR', help: 'variable name without --ci (default ID_TOKEN)' },
    'user-login': { type: 'boolean', help: 'mint a GitLab user-login OIDC token instead' },
    at: {
      type: 'string',
      value: 'TIME',
      help: 'mint time (default $GITLAB_ID_TOKEN_AT, else now)',
    },
    'expires-in': {
      type: 'string',
      value: 'SECONDS',
      help: "exp - iat (default the job's timeout:, else 3600)",
    },
    format: { type: 'string', value: 'env|json', help: 'NAME=token lines (default) or JSON' },
  },
  examples: [
    'gitlab-id-token mint --keys mock-keys.json --ci examples/gitlab-ci.yml --job deploy-production --project acme/widget --ref main --claim project_id=4242',
  ],
  maxPositionals: 0,
  run,
}
