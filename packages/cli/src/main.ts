/**
 * The runner: picks the command, parses its flags, turns every failure into its exit code and a
 * message on stderr (or one `--json` document), never a stack trace.
 *
 * @module
 */

import { readFileSync } from 'node:fs'
import { isGitlabIdTokenError } from '@gitlab-id-token/core'
import { commandHelp, parseCommandArgs } from './command.js'
import { EXIT, exitCodeFor } from './exit-codes.js'
import type { CliIo } from './io.js'
import { createOutput } from './output.js'
import { COMMANDS } from './registry.js'
import { UsageError } from './usage-error.js'

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2
  return [
    'usage: gitlab-id-token <command> [options]',
    '',
    'Inspect, verify and explain GitLab CI/CD ID tokens; lint and test policies; run a local mock GitLab.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Tokens are read from stdin, @file or --token-env VAR, and never printed (only a fingerprint and jti).',
    'Exit codes: 0 ok, 1 refused or problems found, 2 denied, 3 key set unavailable (retry), 4 usage or configuration.',
    '',
    'Example:',
    '  printenv DEPLOY_TOKEN | gitlab-id-token explain --policy policy.yaml --audience https://deploy.acme.example',
    '',
    'gitlab-id-token <command> --help shows every option of a command.',
  ].join('\n')
}

function fail(io: CliIo, json: boolean, command: string, error: unknown): number {
  const out = createOutput(io, { json })
  if (error instanceof UsageError || isGitlabIdTokenError(error)) {
    const exit = exitCodeFor(error.code)
    if (json) {
      out.document(command, {
        ok: false,
        code: error.code,
        message: error.message,
        ...(error instanceof UsageError && error.hint !== undefined ? { hint: error.hint } : {}),
      })
    } else {
      out.warn(out.errStyle.red(`gitlab-id-token ${command}: ${error.message}`))
      if (error instanceof UsageError && error.hint !== undefined) out.warn(`  ${error.hint}`)
    }
    return exit
  }
  const message = error instanceof Error ? error.message : String(error)
  if (json) out.document(command, { ok: false, code: 'ERR_INTERNAL', message })
  else out.warn(out.errStyle.red(`gitlab-id-token ${command}: unexpected error: ${message}`))
  return EXIT.usage
}

/**
 * Runs one invocation and resolves to its exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await run(['inspect', '@token.txt'], processIo())
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  const json = rest.includes('--json')
  const out = createOutput(io, { json: false })
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined
    out.line(topic === undefined ? overview() : commandHelp(await topic.load()))
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  if (name === '--version' || name === '-v') {
    out.line(version())
    return EXIT.ok
  }
  const entry = COMMANDS.find((c) => c.name === name)
  if (entry === undefined) {
    return fail(
      io,
      json,
      name,
      new UsageError(
        `unknown command "${name}"`,
        `commands: ${COMMANDS.map((c) => c.name).join(', ')}`,
      ),
    )
  }
  try {
    const command = await entry.load()
    const parsed = parseCommandArgs(command, rest)
    if (parsed.values.help === true) {
      out.line(commandHelp(command))
      return EXIT.ok
    }
    return await command.run({
      ...parsed,
      io,
      out: createOutput(io, { json: parsed.values.json === true }),
    })
  } catch (error) {
    return fail(io, json, entry.name, error)
  }
}
