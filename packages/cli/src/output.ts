/**
 * The one place the CLI writes: results on stdout, diagnostics on stderr, `--json` documents with
 * a schema version, so `jq` scripts survive upgrades.
 *
 * @module
 */

import type { CliIo } from './io.js'
import { createStyle, useColour, type Style } from './style.js'

/** Version of every `--json` document; bumped only on a breaking change of its shape. */
export const JSON_VERSION = 1

/**
 * A command's writer.
 *
 * @example
 * ```ts
 * out.line(out.style.green('✓ verified'))
 * out.warn('a token given on the command line is visible in ps')
 * ```
 */
export interface Output {
  /** Whether `--json` was given: commands print one document and nothing else on stdout. */
  readonly json: boolean
  /** Styles for stdout. */
  readonly style: Style
  /** Styles for stderr. */
  readonly errStyle: Style
  line(text?: string): void
  /** A diagnostic on stderr (also with `--json`: stdout stays one document). */
  warn(text: string): void
  /** Prints `{ version, command, ...document }` as one JSON document. */
  document(command: string, document: Record<string, unknown>): void
}

/**
 * Builds the writer for one invocation.
 *
 * @example
 * ```ts
 * const out = createOutput(io, { json: values.json === true })
 * ```
 */
export function createOutput(io: CliIo, options: { readonly json: boolean }): Output {
  const style = createStyle(!options.json && useColour(io.stdout, io.env))
  const errStyle = createStyle(useColour(io.stderr, io.env))
  return {
    json: options.json,
    style,
    errStyle,
    line(text = '') {
      io.stdout.write(`${text}\n`)
    },
    warn(text) {
      io.stderr.write(`${text}\n`)
    },
    document(command, document) {
      const body = { version: JSON_VERSION, command, ...document }
      io.stdout.write(`${JSON.stringify(body, jsonReplacer, 2)}\n`)
    },
  }
}

// Dates as ISO strings and functions (policy matchers given in code) as their source-free name.
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`
  if (value instanceof RegExp) return String(value)
  return value
}
