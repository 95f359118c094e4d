/**
 * What a command is: its flags with their help text, an example, and `run`. Argument parsing is
 * `node:util.parseArgs` (zero dependencies: the CLI ships inside CI jobs via `npx`, where every
 * extra package is download time and supply-chain surface, and parseArgs covers what we need).
 *
 * @module
 */

import { parseArgs } from 'node:util'
import type { CliIo } from './io.js'
import type { Output } from './output.js'
import { UsageError } from './usage-error.js'

/** One flag. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean'
  readonly multiple?: boolean
  readonly short?: string
  /** Placeholder in the help, e.g. `URL`. */
  readonly value?: string
  readonly help: string
}

/** The parsed invocation a command runs with. */
export interface CommandContext {
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>
  readonly positionals: readonly string[]
  readonly io: CliIo
  readonly out: Output
}

/**
 * A subcommand of `gitlab-id-token`.
 *
 * @example
 * ```ts
 * export const inspect: Command = { name: 'inspect', usage: 'inspect [TOKEN|-|@file]', … }
 * ```
 */
export interface Command {
  readonly name: string
  readonly usage: string
  /** A paragraph for `--help`. */
  readonly description: string
  readonly flags: Readonly<Record<string, FlagSpec>>
  /** Shown under "Example" in `--help`. */
  readonly examples: readonly string[]
  /** Highest number of positional arguments. */
  readonly maxPositionals: number
  run(context: CommandContext): Promise<number>
}

/** Flags every command takes. */
export const COMMON_FLAGS: Readonly<Record<string, FlagSpec>> = {
  json: { type: 'boolean', help: 'print one JSON document (with "version" and the ERR_* code)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
}

/**
 * Parses `argv` for `command`; an unknown flag or a missing value is a {@link UsageError}.
 *
 * @example
 * ```ts
 * const { values, positionals } = parseCommandArgs(verify, ['--audience', 'https://x', '-'])
 * ```
 */
export function parseCommandArgs(
  command: Command,
  argv: readonly string[],
): Pick<CommandContext, 'values' | 'positionals'> {
  const flags = { ...COMMON_FLAGS, ...command.flags }
  const options = Object.fromEntries(
    Object.entries(flags).map(([name, spec]) => [
      name,
      {
        type: spec.type,
        ...(spec.multiple === true ? { multiple: true } : {}),
        ...(spec.short === undefined ? {} : { short: spec.short }),
      },
    ]),
  )
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError(
      (error as Error).message.replace(/\. To specify.*$/s, ''),
      `see: gitlab-id-token ${command.name} --help`,
    )
  }
  if (parsed.positionals.length > command.maxPositionals && parsed.values.help !== true) {
    throw new UsageError(
      `too many arguments: ${command.name} takes at most ${command.maxPositionals}`,
      `usage: gitlab-id-token ${command.usage}`,
    )
  }
  return { values: parsed.values, positionals: parsed.positionals }
}

/**
 * The `--help` text of a command.
 *
 * @example
 * ```ts
 * out.line(commandHelp(verify))
 * ```
 */
export function commandHelp(command: Command): string {
  const flags = Object.entries({ ...command.flags, ...COMMON_FLAGS }).map(([name, spec]) => {
    const short = spec.short === undefined ? '    ' : `-${spec.short}, `
    const value = spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''
    const repeat = spec.multiple === true ? ' (repeatable)' : ''
    return [`  ${short}--${name}${value}`, `${spec.help}${repeat}`] as const
  })
  const width = Math.max(...flags.map(([left]) => left.length)) + 2
  return [
    `usage: gitlab-id-token ${command.usage}`,
    '',
    command.description,
    '',
    'Options:',
    ...flags.map(([left, right]) => `${left.padEnd(width)}${right}`),
    '',
    'Example:',
    ...command.examples.map((line) => `  ${line}`),
  ].join('\n')
}

/** Reads a string flag. */
export function stringFlag(context: CommandContext, name: string): string | undefined {
  const value = context.values[name]
  return typeof value === 'string' ? value : undefined
}

/** Reads a repeatable string flag. */
export function listFlag(context: CommandContext, name: string): string[] {
  const value = context.values[name]
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string')
  return typeof value === 'string' ? [value] : []
}

/** Reads a boolean flag. */
export function booleanFlag(context: CommandContext, name: string): boolean {
  return context.values[name] === true
}
