/**
 * Normalising the original request's path and host once, before any route sees them, so the
 * route the gateway decides on is the resource the app will serve.
 *
 * @module
 */

import { GitlabIdTokenError } from '@gitlab-id-token/core'

const UNRESERVED = /[A-Za-z0-9\-._~]/
// RFC 3986 §2.1: a percent sign must start a two-hex-digit escape.
const ESCAPE = /%(?![0-9A-Fa-f]{2})/

function badRequest(message: string): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_INVALID_REQUEST', message)
}

/**
 * Normalises the path of a request target (`/a/./b/../c?x` → `/a/c`; the query is dropped).
 *
 * - Escapes of unreserved characters are decoded (RFC 3986 §6.2.2.2), others kept, hex uppercased.
 * - Empty segments collapse (`//admin` → `/admin`): nginx's `merge_slashes` and most routers treat
 *   them as one, so the stricter route must apply.
 * - Dot segments are removed (RFC 3986 §5.2.4).
 * - Refused with 400 `ERR_INVALID_REQUEST`: anything not starting with `/`, an encoded `/` or `\`
 *   (`%2F`, `%5C`), NUL (literal or `%00`), a literal `\`, a malformed escape, and a `..` that would
 *   climb above the root. Proxies and apps disagree on those (the research note's design §6.1), so
 *   the gateway refuses rather than guess which resource the app will serve.
 *
 * @example
 * ```ts
 * normalizePath('/deploy/./production/?force=1') // '/deploy/production/'
 * normalizePath('/%2e%2e/admin') // throws ERR_INVALID_REQUEST
 * ```
 */
export function normalizePath(target: string): string {
  const query = target.search(/[?#]/)
  const raw = query === -1 ? target : target.slice(0, query)
  if (!raw.startsWith('/')) throw badRequest('request path must start with /')
  if (raw.includes('\0') || raw.includes('\\')) throw badRequest('NUL or \\ in the path')
  if (ESCAPE.test(raw)) throw badRequest('malformed percent-escape in the path')
  const decoded = raw.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const code = Number.parseInt(hex, 16)
    if (code === 0x2f || code === 0x5c || code === 0) {
      throw badRequest('encoded /, \\ or NUL in the path')
    }
    const char = String.fromCharCode(code)
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
  })
  const output: string[] = []
  const segments = decoded.split('/').slice(1)
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1
    if (segment === '..') {
      if (output.length === 0) throw badRequest('.. above the root of the path')
      output.pop()
      if (last) output.push('')
    } else if (segment === '.') {
      if (last) output.push('')
    } else if (segment !== '' || last) {
      output.push(segment)
    }
  }
  return `/${output.join('/')}`
}

/**
 * Normalises a `Host` value: lowercase, without the trailing dot of an absolute name, port kept
 * apart. Anything but a DNS name, IPv4 or bracketed IPv6 literal is refused with 400.
 *
 * @example
 * ```ts
 * normalizeHost('Deploy.ACME.example.:8443') // { name: 'deploy.acme.example', port: '8443' }
 * ```
 */
export function normalizeHost(value: string): { readonly name: string; readonly port?: string } {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::([0-9]{1,5}))?$/.exec(value)
  if (match === null) throw badRequest('malformed host')
  const name = (match[1] as string).toLowerCase().replace(/\.$/, '')
  if (name.length === 0 || name.includes('..') || name.startsWith('.')) {
    throw badRequest('malformed host')
  }
  return match[2] === undefined ? { name } : { name, port: match[2] }
}

/**
 * Whether the normalised `path` is under `prefix` on a segment boundary: `/deploy` covers
 * `/deploy` and `/deploy/x`, never `/deployer`.
 *
 * @example
 * ```ts
 * underPrefix('/deploy/x', '/deploy') // true
 * underPrefix('/deployer', '/deploy') // false
 * ```
 */
export function underPrefix(path: string, prefix: string): boolean {
  if (prefix === '/') return true
  return path === prefix || path.startsWith(`${prefix}/`)
}
