/**
 * Colour, only where a person reads it: a TTY, unless `NO_COLOR` is set; `FORCE_COLOR` overrides
 * both ways (the no-color.org and Node/chalk conventions).
 *
 * @module
 */

import type { OutputStream } from './io.js'

/** ANSI styles; every one is the identity function when colour is off. */
export interface Style {
  readonly enabled: boolean
  readonly red: (text: string) => string
  readonly green: (text: string) => string
  readonly yellow: (text: string) => string
  readonly dim: (text: string) => string
  readonly bold: (text: string) => string
  readonly inverse: (text: string) => string
}

/**
 * Whether to colour `stream`: `FORCE_COLOR` (anything but `0`/`false`) forces it, a non-empty
 * `NO_COLOR` or `TERM=dumb` turns it off, otherwise only a TTY gets colour.
 *
 * @example
 * ```ts
 * useColour(process.stdout, process.env) // false when piped to a file
 * ```
 */
export function useColour(
  stream: OutputStream,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const force = env.FORCE_COLOR
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false'
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.TERM === 'dumb') return false
  return stream.isTTY === true
}

const wrap =
  (enabled: boolean, open: number, close: number) =>
  (text: string): string =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text

/**
 * The styles for one stream.
 *
 * @example
 * ```ts
 * const s = createStyle(true)
 * s.red('✗ refused') // '\u001b[31m✗ refused\u001b[39m'
 * ```
 */
export function createStyle(enabled: boolean): Style {
  return {
    enabled,
    red: wrap(enabled, 31, 39),
    green: wrap(enabled, 32, 39),
    yellow: wrap(enabled, 33, 39),
    dim: wrap(enabled, 2, 22),
    bold: wrap(enabled, 1, 22),
    inverse: wrap(enabled, 7, 27),
  }
}

// eslint-disable-next-line no-control-regex -- the escape sequences this module writes
const ANSI = /\u001b\[[0-9;]*m/g

/**
 * The printable width of `text` (ANSI sequences take no columns).
 *
 * @example
 * ```ts
 * visibleLength('\u001b[31mok\u001b[39m') // 2
 * ```
 */
export function visibleLength(text: string): number {
  return text.replace(ANSI, '').length
}
