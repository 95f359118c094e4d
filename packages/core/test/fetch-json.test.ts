import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FetchError, fetchJson } from '../src/fetch-json.js'

type Handler = (req: IncomingMessage, res: ServerResponse) => void
const routes = new Map<string, Handler>()
const hits = new Map<string, number>()
const server = createServer((req, res) => {
  hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1)
  const route = routes.get(req.url ?? '')
  if (route === undefined) res.writeHead(404).end()
  else route(req, res)
})
let base = ''

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  routes.set('/ok', (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}'),
  )
  routes.set('/accept', (req, res) => res.writeHead(200).end(JSON.stringify(req.headers.accept)))
  routes.set('/redirect', (_req, res) => res.writeHead(302, { location: `${base}/ok` }).end())
  routes.set('/teapot', (_req, res) => res.writeHead(418).end('{}'))
  routes.set('/big-declared', (_req, res) =>
    res
      .writeHead(200, { 'content-length': String(1024 * 1024) })
      .end(Buffer.alloc(1024 * 1024, 32)),
  )
  routes.set('/big-chunked', (_req, res) => {
    res.writeHead(200)
    const chunk = Buffer.alloc(64 * 1024, 32)
    for (let i = 0; i < 16; i += 1) res.write(chunk)
    res.end()
  })
  routes.set('/hang', () => undefined)
  routes.set('/slow-body', (_req, res) => {
    res.writeHead(200)
    res.write('{"keys":')
  })
  routes.set('/not-json', (_req, res) => res.writeHead(200).end('<html>'))
})
afterAll(() => {
  server.closeAllConnections()
  return new Promise<void>((resolve) => server.close(() => resolve()))
})

const get = (path: string, timeoutMs = 2_000) =>
  fetchJson(`${base}${path}`, { fetch: globalThis.fetch, timeoutMs, maxBytes: 512 * 1024 })
const failsWith = async (path: string, message: RegExp, timeoutMs?: number) => {
  const error = await get(path, timeoutMs).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(Error)
  expect((error as Error).message).toMatch(message)
}

describe('fetchJson', () => {
  it('parses a 200 JSON body and asks for JSON', async () => {
    await expect(get('/ok')).resolves.toEqual({ keys: [] })
    await expect(get('/accept')).resolves.toContain('application/json')
  })

  it('refuses a redirect instead of following it', async () => {
    await failsWith('/redirect', /HTTP 302/)
    expect(hits.get('/ok')).toBe(1)
  })

  it('refuses any status but 200', async () => {
    await failsWith('/teapot', /HTTP 418/)
    await failsWith('/missing', /HTTP 404/)
  })

  it('fails with a FetchError naming the URL, and the status when the server answered', async () => {
    const status = await get('/teapot').catch((e: unknown) => e)
    expect(status).toBeInstanceOf(FetchError)
    expect(status).toMatchObject({ url: `${base}/teapot`, status: 418 })
    const network = await fetchJson('http://127.0.0.1:9/keys', {
      fetch: globalThis.fetch,
      timeoutMs: 2_000,
      maxBytes: 1024,
    }).catch((e: unknown) => e)
    expect(network).toMatchObject({ url: 'http://127.0.0.1:9/keys', status: undefined })
    expect((network as Error).cause).toBeInstanceOf(Error)
  })

  it('refuses a body over the cap, declared or streamed', async () => {
    await failsWith('/big-declared', /larger than 524288 bytes/)
    await failsWith('/big-chunked', /larger than 524288 bytes/)
  })

  it('times out a hanging response and a stalled body', async () => {
    await failsWith('/hang', /timed out/, 200)
    await failsWith('/slow-body', /timed out/, 200)
  })

  it('refuses a body that is not JSON, chaining the parse error', async () => {
    const error = await get('/not-json').catch((e: unknown) => e)
    expect(error).toMatchObject({ message: expect.stringMatching(/not JSON/) })
    expect((error as Error).cause).toBeInstanceOf(SyntaxError)
  })
})
