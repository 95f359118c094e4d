/**
 * The slices of Express 5 and Koa 3 the bench servers use, typed structurally: neither package
 * ships types and `@types/express`/`@types/koa` are not bench dependencies, so these interfaces
 * keep the servers type-checked without adding any.
 */

import type { IncomingMessage, RequestListener } from 'node:http'
import { createRequire } from 'node:module'

/** The request members the Express servers touch. */
export interface ExpressRequest extends IncomingMessage {
  auth?: { readonly project_id?: unknown; readonly payload?: { readonly project_id?: unknown } }
}

/** The response members the Express servers touch. */
export interface ExpressResponse {
  status(code: number): ExpressResponse
  set(field: string | Record<string, string>, value?: string): ExpressResponse
  json(body: unknown): void
  end(): void
}

/** Express's `next`. */
export type ExpressNext = (err?: unknown) => void
/** An Express middleware or route handler. */
export type ExpressHandler = (req: ExpressRequest, res: ExpressResponse, next: ExpressNext) => void
/** An Express error handler (four parameters). */
export type ExpressErrorHandler = (
  err: unknown,
  req: ExpressRequest,
  res: ExpressResponse,
  next: ExpressNext,
) => void

/** The application members the Express servers use. */
export interface ExpressApp extends RequestListener {
  disable(setting: string): void
  use(handler: ExpressHandler | ExpressErrorHandler): void
  get(path: string, handler: ExpressHandler): void
}

/** The context members the Koa servers touch. */
export interface KoaContext {
  readonly headers: IncomingMessage['headers']
  status: number
  body: unknown
  readonly state: { user?: { readonly project_id?: unknown } } & Record<string, unknown>
  set(field: string, value: string): void
}

/** A Koa middleware. */
export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => unknown

/** The application members the Koa servers use. */
export interface KoaApp {
  silent: boolean
  use(middleware: KoaMiddleware): void
  callback(): RequestListener
}

const require = createRequire(import.meta.url)

/**
 * `express()`, typed by {@link ExpressApp}.
 *
 * @example
 * ```ts
 * const app = createExpressApp()
 * app.get('/hello', (_req, res) => res.json({ hello: 'world' }))
 * ```
 */
export function createExpressApp(): ExpressApp {
  return (require('express') as () => ExpressApp)()
}

/**
 * `new Koa()`, typed by {@link KoaApp}.
 *
 * @example
 * ```ts
 * const app = createKoaApp()
 * app.use((ctx) => { ctx.body = { hello: 'world' } })
 * ```
 */
export function createKoaApp(): KoaApp {
  const Koa = require('koa') as new () => KoaApp
  return new Koa()
}
