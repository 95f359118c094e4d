/**
 * Path globs for claim policies, compiled to a `RegExp` once at configuration time.
 *
 * @module
 */

/** Options of {@link compileGlob}. */
export interface GlobOptions {
  /** Compare ignoring case (GitLab paths are case-insensitive). Default `false`. */
  readonly caseInsensitive?: boolean
}

// Characters with a meaning in a `u`-mode pattern; `u` mode rejects escapes of anything else (`\-`).
const SYNTAX = /[$()*+./?[\\\]^{|}]/g

/**
 * Compiles a glob into an anchored `RegExp` (a full match, never a substring):
 *
 * - `*` any run of characters without `/`, including the empty run;
 * - `**` any run of characters including `/`, including the empty run;
 * - `?` exactly one character other than `/`;
 * - everything else is literal. There are no escapes and no `[...]` classes: no GitLab path, ref
 *   or environment name can contain `*` or `?`.
 *
 * Because `**` also matches the empty run, `platform/**` matches `platform/a` and `platform/a/b`
 * but not `platform` itself.
 *
 * @param glob - the pattern.
 * @param options - `caseInsensitive` (default `false`).
 * @returns a `RegExp` without `g`/`y`, so `test()` keeps no state between calls.
 *
 * @example
 * ```ts
 * const re = compileGlob('platform/**')
 * re.test('platform/infra/deployer') // true
 * re.test('platform')                // false
 * compileGlob('release-?.*').test('release-1.x') // true
 * ```
 */
export function compileGlob(glob: string, options: GlobOptions = {}): RegExp {
  let source = ''
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]
    if (char === '*') {
      if (glob[i + 1] === '*') {
        source += '[\\s\\S]*'
        i++
      } else {
        source += '[^/]*'
      }
    } else if (char === '?') {
      source += '[^/]'
    } else {
      source += char === undefined ? '' : char.replace(SYNTAX, '\\$&')
    }
  }
  // `u` so that `?` consumes one code point, not half of a surrogate pair.
  return new RegExp(`^${source}$`, options.caseInsensitive === true ? 'iu' : 'u')
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
