/**
 * Reading the `Authorization` header so that a duplicated one is seen (RFC 6750 §2: one
 * credential per request).
 *
 * @module
 */

/**
 * The part of Node's `IncomingMessage` the credential is read from (Express's `req`, Fastify's
 * `request.raw`, Koa's `ctx.req`).
 *
 * @example
 * ```ts
 * readAuthorization(ctx.req) // Koa: the underlying Node request
 * ```
 */
export interface NodeRequestLike {
  readonly headers: { readonly authorization?: string | undefined }
  /** Header names and values as received, alternating. */
  readonly rawHeaders?: readonly string[]
  /** Every value of every header; read only when `rawHeaders` is absent. */
  readonly headersDistinct?: { readonly authorization?: readonly string[] | undefined }
}

/**
 * The `Authorization` header as `extractBearerToken` needs it: every value when there are
 * several. `headers.authorization` alone would hide a duplicate, because Node keeps only the
 * first one. `rawHeaders` is scanned instead of building `headersDistinct` (an object of every
 * header) on each request.
 *
 * @example
 * ```ts
 * const token = extractBearerToken(readAuthorization(req))
 * ```
 */
export function readAuthorization(req: NodeRequestLike): string | readonly string[] | undefined {
  const first = req.headers.authorization
  const raw = req.rawHeaders
  if (raw === undefined) return req.headersDistinct?.authorization ?? first
  if (first === undefined) return undefined
  let values: string[] | undefined
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index] as string
    if (name.length !== 13 || name.toLowerCase() !== 'authorization') continue
    ;(values ??= []).push(raw[index + 1] ?? '')
  }
  return values === undefined || values.length < 2 ? first : values
}
