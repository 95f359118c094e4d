/**
 * ASCII-only case folding for GitLab paths.
 *
 * GitLab paths are ASCII (`Gitlab::PathRegex`: letters, digits, `_`, `-`, `.`) and compared
 * ignoring case. `String.prototype.toLowerCase()` and the regex `iu` flags fold Unicode as well, so
 * the Kelvin sign `K` (U+212A) would equal `k` and the long s `ſ` (U+017F) would equal `s`: a
 * value GitLab never signs would then satisfy an ASCII pin. Folding only `A`–`Z` keeps every other
 * code point exact.
 *
 * @module
 */

const UPPER = /[A-Z]/g

function lower(letter: string): string {
  return String.fromCharCode(letter.charCodeAt(0) + 32)
}

/**
 * `text` with the ASCII letters `A`–`Z` lowered and every other code point unchanged. Returns
 * `text` itself when it has no ASCII capital, so the common lowercase path allocates nothing.
 *
 * @param text - any string.
 * @returns the folded string.
 *
 * @example
 * ```ts
 * asciiLower('Acme/Widget') // 'acme/widget'
 * asciiLower('\u212Aelvin')  // '\u212Aelvin' (the Kelvin sign is not an ASCII letter)
 * ```
 */
export function asciiLower(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code >= 0x41 && code <= 0x5a) return text.replace(UPPER, lower)
  }
  return text
}
