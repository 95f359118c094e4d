/**
 * Where a token comes from: stdin, `@file`, `--token-env VAR`, or (discouraged) the command line.
 *
 * @module
 */

import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { CommandContext, FlagSpec } from './command.js'
import { stringFlag } from './command.js'
import type { InputStream } from './io.js'
import { UsageError } from './usage-error.js'

/** The flag every token-reading command takes. */
export const TOKEN_FLAGS: Readonly<Record<string, FlagSpec>> = {
  'token-env': {
    type: 'string',
    value: 'VAR',
    help: 'read the token from this environment variable',
  },
}

/** The token and where it came from (for messages; never the token itself). */
export interface TokenInput {
  readonly token: string
  readonly source: 'stdin' | 'file' | 'env' | 'argument'
}

/**
 * Reads everything from `stream` (a token is a few kB at most).
 *
 * @example
 * ```ts
 * const text = await readAll(process.stdin)
 * ```
 */
export async function readAll(stream: InputStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  return Buffer.concat(chunks).toString('utf8')
}

// A pasted `Authorization` value or a file with a trailing newline is still the same token.
function clean(text: string, where: string): string {
  const token = text.trim().replace(/^Bearer\s+/i, '')
  if (token === '') {
    throw new UsageError(
      `no token in ${where}`,
      'pipe the token on stdin, or use @file or --token-env VAR',
    )
  }
  return token
}

/**
 * The token of this invocation. The first positional is `-` (stdin), `@file`, or a bare token,
 * which prints a one-line warning on a TTY: argv is visible in `ps` and shell history. With no
 * positional, `--token-env VAR` or piped stdin.
 *
 * @example
 * ```ts
 * const { token } = await readToken(context) // `… | gitlab-id-token inspect`
 * ```
 */
export async function readToken(context: CommandContext): Promise<TokenInput> {
  const { io } = context
  const envName = stringFlag(context, 'token-env')
  const argument = context.positionals[0]
  if (envName !== undefined) {
    if (argument !== undefined)
      throw new UsageError('give the token once: an argument or --token-env')
    const value = io.env[envName]
    if (value === undefined) throw new UsageError(`environment variable ${envName} is not set`)
    return { token: clean(value, `$${envName}`), source: 'env' }
  }
  if (argument === undefined || argument === '-') {
    if (argument === undefined && io.stdin.isTTY === true) {
      throw new UsageError(
        'no token given',
        'pipe it (… | gitlab-id-token …), or give @file, - (stdin) or --token-env VAR',
      )
    }
    return { token: clean(await readAll(io.stdin), 'stdin'), source: 'stdin' }
  }
  if (argument.startsWith('@')) {
    const path = resolve(io.cwd, argument.slice(1))
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      throw new UsageError(
        `cannot read ${argument.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      )
    }
    return { token: clean(text, argument.slice(1)), source: 'file' }
  }
  if (io.stderr.isTTY === true) {
    context.out.warn(
      context.out.errStyle.yellow(
        'warning: a token on the command line is visible in ps and shell history; pipe it, or use @file or --token-env VAR',
      ),
    )
  }
  return { token: clean(argument, 'the argument'), source: 'argument' }
}
