/**
 * Path globs for claim policies, matched in linear time by a state-set simulation: no `RegExp` is
 * ever compiled from a glob.
 *
 * A backtracking regex such as `^review/[^/]*-[^/]*-[^/]*-[^/]*-[^/]*$` takes exponential time on
 * a value like `review/` followed by 250 dashes, and `environment` is chosen by whoever writes the
 * pipeline; one such token stalled a server for seconds. Here each code point of the value moves a
 * set of at most `m + 1` pattern positions forward once, so a match costs O(n·m) steps at worst
 * (n code points of value, m tokens of glob), whatever the input.
 *
 * @module
 */

import { asciiLower } from './ascii-fold.js'

/** Options of {@link compileGlob}. */
export interface GlobOptions {
  /** Compare ignoring ASCII case (GitLab paths are ASCII, and case-insensitive). Default `false`. */
  readonly caseInsensitive?: boolean
}

/**
 * A compiled glob: `test(value)` is a full match of the whole value. Stateless between calls.
 *
 * @example
 * ```ts
 * const glob: GlobMatcher = compileGlob('review/*')
 * glob.test('review/feature-1') // true
 * ```
 */
export interface GlobMatcher {
  readonly test: (value: string) => boolean
  /** The glob as written. */
  readonly source: string
}

// Token kinds; any other number is the code point of a literal.
const STAR = -1 // `*`: any run of code points other than `/`
const GLOBSTAR = -2 // `**`: any run of code points
const ONE = -3 // `?`: one code point other than `/`
const SLASH = 0x2f

function tokenize(glob: string, fold: boolean): Int32Array {
  const tokens: number[] = []
  const text = fold ? asciiLower(glob) : glob
  for (let i = 0; i < text.length;) {
    const point = text.codePointAt(i)!
    i += point > 0xffff ? 2 : 1
    if (point === 0x2a) {
      if (text.charCodeAt(i) === 0x2a) {
        tokens.push(GLOBSTAR)
        i++
      } else {
        tokens.push(STAR)
      }
    } else {
      tokens.push(point === 0x3f ? ONE : point)
    }
  }
  return Int32Array.from(tokens)
}

/**
 * Compiles a glob into a full-match tester:
 *
 * - `*` any run of characters without `/`, including the empty run;
 * - `**` any run of characters including `/`, including the empty run;
 * - `?` exactly one character (code point) other than `/`;
 * - everything else is literal. There are no escapes and no `[...]` classes: no GitLab path, ref
 *   or environment name can contain `*` or `?`.
 *
 * Because `**` also matches the empty run, `platform/**` matches `platform/a` and `platform/a/b`
 * but not `platform` itself. Matching costs O(value length × glob length) at worst.
 *
 * @param glob - the pattern.
 * @param options - `caseInsensitive` (default `false`): ASCII letters only, so the Kelvin sign
 *   `K` (U+212A) never equals `k`.
 * @returns a {@link GlobMatcher}.
 *
 * @example
 * ```ts
 * const glob = compileGlob('platform/**')
 * glob.test('platform/infra/deployer') // true
 * glob.test('platform')                // false
 * compileGlob('release-?.*').test('release-1.x') // true
 * ```
 */
export function compileGlob(glob: string, options: GlobOptions = {}): GlobMatcher {
  const fold = options.caseInsensitive === true
  const tokens = tokenize(glob, fold)
  const m = tokens.length
  if (tokens.every((token) => token >= 0)) {
    const literal = fold ? asciiLower(glob) : glob
    return Object.freeze({
      test: (value: string) => (fold ? asciiLower(value) : value) === literal,
      source: glob,
    })
  }
  // Two state sets, reused: matching is synchronous and calls nothing, so it cannot re-enter.
  let current = new Uint8Array(m + 1)
  let next = new Uint8Array(m + 1)

  // Adds state `i`, and the states after any stars at `i` (a star may match the empty run).
  function enter(set: Uint8Array, i: number): void {
    let j = i
    while (set[j] === 0) {
      set[j] = 1
      const token = tokens[j]
      if (j === m || (token !== STAR && token !== GLOBSTAR)) return
      j++
    }
  }

  function test(raw: string): boolean {
    const value = fold ? asciiLower(raw) : raw
    current.fill(0)
    enter(current, 0)
    for (let k = 0; k < value.length;) {
      const point = value.codePointAt(k)!
      k += point > 0xffff ? 2 : 1
      next.fill(0)
      let alive = false
      for (let i = 0; i < m; i++) {
        if (current[i] === 0) continue
        const token = tokens[i]!
        if (token === GLOBSTAR || (token === STAR && point !== SLASH)) {
          enter(next, i)
          alive = true
        } else if (token === point || (token === ONE && point !== SLASH)) {
          enter(next, i + 1)
          alive = true
        }
      }
      if (!alive) return false
      const swap = current
      current = next
      next = swap
    }
    return current[m] === 1
  }

  return Object.freeze({ test, source: glob })
}

/**
 * The literal text of a glob before its first wildcard (`*` or `?`); the whole glob when it has
 * none. Used to decide whether a glob pins a tenant.
 *
 * @example
 * ```ts
 * globLiteralPrefix('platform/**') // 'platform/'
 * globLiteralPrefix('plat*')       // 'plat'
 * globLiteralPrefix('g/p')         // 'g/p'
 * ```
 */
export function globLiteralPrefix(glob: string): string {
  const index = glob.search(/[*?]/)
  return index === -1 ? glob : glob.slice(0, index)
}
