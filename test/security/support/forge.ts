/**
 * Hand-assembly of compact JWS strings for attacks the mock's `sign` cannot express: bodies that
 * are not JSON, signatures taken from elsewhere, non-canonical base64.
 */

/** base64url (RFC 4648 §5, no padding) of bytes, text, or an object serialised as JSON. */
export function b64url(part: Uint8Array | string | object): string {
  if (part instanceof Uint8Array) return Buffer.from(part).toString('base64url')
  return Buffer.from(typeof part === 'string' ? part : JSON.stringify(part)).toString('base64url')
}

/** `header.payload.signature` from parts; objects are JSON, strings are used verbatim as JSON. */
export function compact(
  header: object | string,
  payload: object | string,
  signature: Uint8Array | string = '',
): string {
  const sig = typeof signature === 'string' ? signature : b64url(signature)
  return `${b64url(header)}.${b64url(payload)}.${sig}`
}

/** The three segments of a compact token (missing ones are `''`). */
export function parts(token: string): [header: string, payload: string, signature: string] {
  const [header = '', payload = '', signature = ''] = token.split('.')
  return [header, payload, signature]
}

/** The decoded JSON of one segment. */
export function decodePart(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>
}

/** Replaces the signature segment. */
export function withSignature(token: string, signature: string): string {
  const [header, payload] = parts(token)
  return `${header}.${payload}.${signature}`
}

/** Flips one bit of the decoded bytes of segment `index` (0 header, 1 payload, 2 signature). */
export function flipBit(token: string, index: 0 | 1 | 2, byte: number, bit = 0): string {
  const segments = parts(token)
  const bytes = Buffer.from(segments[index], 'base64url')
  const at = byte < 0 ? bytes.length + byte : byte
  bytes[at] = (bytes[at] ?? 0) ^ (1 << bit)
  segments[index] = bytes.toString('base64url')
  return segments.join('.')
}

/** The same bytes in standard base64 (RFC 4648 §4) with padding. */
export function toStandardBase64(segment: string): string {
  return Buffer.from(segment, 'base64url').toString('base64')
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * A different base64url string that Node decodes to the same bytes: the final character of a
 * segment whose length is not a multiple of 4 carries unused low bits (RFC 4648 §3.5). Returns
 * `undefined` when the segment has no spare bits.
 */
export function nonCanonicalTwin(segment: string): string | undefined {
  const spare = segment.length % 4 === 2 ? 4 : segment.length % 4 === 3 ? 2 : 0
  if (spare === 0) return undefined
  const last = segment.at(-1) ?? 'A'
  const twin = ALPHABET[ALPHABET.indexOf(last) ^ 1]
  if (twin === undefined) return undefined
  const candidate = `${segment.slice(0, -1)}${twin}`
  return Buffer.from(candidate, 'base64url').equals(Buffer.from(segment, 'base64url'))
    ? candidate
    : undefined
}
