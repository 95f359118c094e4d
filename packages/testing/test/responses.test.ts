import { request } from 'node:http'

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { createMockGitlab, HUGE_BODY_BYTES } from '../src/index.js'
import type { MockGitlab } from '../src/index.js'

let gitlab: MockGitlab
beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterAll(async () => {
  await gitlab.close()
})
beforeEach(() => {
  gitlab.setKeySetResponse('ok')
  gitlab.setDiscoveryResponse('ok')
  gitlab.resetRequests()
})

/** Raw GET that reports status, headers and the exact bytes, without following redirects. */
function get(
  url: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      )
      res.on('error', reject)
    })
      .on('error', reject)
      .end()
  })
}

describe('key set fault modes', () => {
  it('ok: 200 with the key set', async () => {
    const res = await get(gitlab.jwksUri)
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body.toString())).toEqual(gitlab.keySet)
    expect(res.headers['content-length']).toBe(String(res.body.length))
  })

  it('error: 500 with an HTML body', async () => {
    gitlab.setKeySetResponse('error')
    const res = await get(gitlab.jwksUri)
    expect(res.status).toBe(500)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(gitlab.requests.jwks).toBe(1)
  })

  it('not-found: 404', async () => {
    gitlab.setKeySetResponse('not-found')
    expect((await get(gitlab.jwksUri)).status).toBe(404)
  })

  it('rate-limited: 429 with Retry-After', async () => {
    gitlab.setKeySetResponse('rate-limited')
    const res = await get(gitlab.jwksUri)
    expect(res.status).toBe(429)
    expect(res.headers['retry-after']).toBe('60')
    expect(res.body.toString()).toBe('Retry later\n')
  })

  it('garbage: 200 application/json that is not JSON', async () => {
    gitlab.setKeySetResponse('garbage')
    const res = await get(gitlab.jwksUri)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(() => JSON.parse(res.body.toString()) as unknown).toThrow(SyntaxError)
  })

  it('truncated: 200 with the JSON cut in half and a matching Content-Length', async () => {
    gitlab.setKeySetResponse('truncated')
    const res = await get(gitlab.jwksUri)
    const full = JSON.stringify(gitlab.keySet)
    expect(res.status).toBe(200)
    expect(res.body.toString()).toBe(full.slice(0, Math.floor(full.length / 2)))
    expect(res.headers['content-length']).toBe(String(res.body.length))
    expect(() => JSON.parse(res.body.toString()) as unknown).toThrow(SyntaxError)
  })

  it('wrong-shape: valid JSON without a keys array', async () => {
    gitlab.setKeySetResponse('wrong-shape')
    const body = JSON.parse((await get(gitlab.jwksUri)).body.toString()) as Record<string, unknown>
    expect(body).not.toHaveProperty('keys')
    expect(body.no_keys).toEqual(gitlab.keySet.keys)
  })

  it('huge: ~10 MB of valid JSON, chunked, the real keys last', async () => {
    gitlab.setKeySetResponse('huge')
    const res = await get(gitlab.jwksUri)
    expect(res.status).toBe(200)
    expect(res.headers['content-length']).toBeUndefined()
    expect(res.headers['transfer-encoding']).toBe('chunked')
    expect(res.body.length).toBe(HUGE_BODY_BYTES)
    const body = JSON.parse(res.body.toString()) as { keys: unknown }
    expect(body.keys).toEqual(gitlab.keySet.keys)
  })

  it('huge: a client that hangs up early does not break the server', async () => {
    gitlab.setKeySetResponse('huge')
    const controller = new AbortController()
    const res = await fetch(gitlab.jwksUri, { signal: controller.signal })
    const reader = res.body?.getReader()
    await reader?.read()
    controller.abort()
    gitlab.setKeySetResponse('ok')
    expect((await fetch(gitlab.jwksUri)).status).toBe(200)
  })

  it('redirect: 302 to another loopback origin that serves the real key set', async () => {
    gitlab.setKeySetResponse('redirect')
    const res = await get(gitlab.jwksUri)
    expect(res.status).toBe(302)
    const location = String(res.headers.location)
    expect(new URL(location).hostname).toBe('127.0.0.1')
    expect(new URL(location).origin).not.toBe(gitlab.url)
    expect(gitlab.requests.redirected).toBe(0)
    const followed = await fetch(gitlab.jwksUri)
    expect(followed.status).toBe(200)
    expect(await followed.json()).toEqual(gitlab.keySet)
    expect(gitlab.requests).toMatchObject({ jwks: 2, redirected: 1 })
  })

  it('hang: never answers until the client gives up', async () => {
    gitlab.setKeySetResponse('hang')
    const error = await fetch(gitlab.jwksUri, { signal: AbortSignal.timeout(200) }).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ name: 'TimeoutError' })
    expect(gitlab.requests.jwks).toBe(1)
  })

  it('a custom response: status, headers (null removes one), body and delay', async () => {
    gitlab.setKeySetResponse({
      status: 503,
      headers: { 'Retry-After': '5', 'cache-control': null },
      body: { keys: 'nope' },
      delayMs: 20,
    })
    const res = await get(gitlab.jwksUri)
    expect(res.status).toBe(503)
    expect(res.headers['retry-after']).toBe('5')
    expect(res.headers['cache-control']).toBeUndefined()
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(JSON.parse(res.body.toString())).toEqual({ keys: 'nope' })
  })

  it('a custom response keeps the real key set by default and can be chunked', async () => {
    gitlab.setKeySetResponse({ chunked: true, body: Buffer.from('{"keys":[]}') })
    const res = await get(gitlab.jwksUri)
    expect(res.headers['transfer-encoding']).toBe('chunked')
    expect(res.body.toString()).toBe('{"keys":[]}')
    gitlab.setKeySetResponse({ headers: { etag: 'W/"1"' } })
    const plain = await get(gitlab.jwksUri)
    expect(plain.headers.etag).toBe('W/"1"')
    expect(JSON.parse(plain.body.toString())).toEqual(gitlab.keySet)
  })

  it('a delayed response carries the key set of the moment the request arrived', async () => {
    gitlab.setKeySetResponse({ delayMs: 100 })
    const arrived = gitlab.nextRequest('jwks')
    const pending = fetch(gitlab.jwksUri).then(
      (res) => res.json() as Promise<{ keys: { kid: string }[] }>,
    )
    await arrived
    const before = gitlab.ciKey.kid
    gitlab.rotateKey()
    const body = await pending
    expect(body.keys.map((key) => key.kid)).toContain(before)
    expect(body.keys.map((key) => key.kid)).not.toContain(gitlab.ciKey.kid)
  })
})

describe('discovery fault modes', () => {
  it('wrong-issuer: a valid document naming another issuer', async () => {
    gitlab.setDiscoveryResponse('wrong-issuer')
    const res = await get(gitlab.discoveryUrl)
    expect(res.status).toBe(200)
    const doc = JSON.parse(res.body.toString()) as { issuer: string; jwks_uri: string }
    expect(doc.issuer).not.toBe(gitlab.issuer)
    expect(doc.jwks_uri).toBe(gitlab.jwksUri)
  })

  it('wrong-shape: a document without jwks_uri', async () => {
    gitlab.setDiscoveryResponse('wrong-shape')
    const doc = JSON.parse((await get(gitlab.discoveryUrl)).body.toString()) as Record<
      string,
      unknown
    >
    expect(doc.issuer).toBe(gitlab.issuer)
    expect(doc).not.toHaveProperty('jwks_uri')
  })

  it('error, hang and custom bodies work as for the key set, and keys stay unaffected', async () => {
    gitlab.setDiscoveryResponse('error')
    expect((await get(gitlab.discoveryUrl)).status).toBe(500)
    expect((await get(gitlab.jwksUri)).status).toBe(200)
    gitlab.setDiscoveryResponse({
      body: { ...gitlab.discoveryDocument(), jwks_uri: 'http://gitlab.example.com/keys' },
    })
    const doc = JSON.parse((await get(gitlab.discoveryUrl)).body.toString()) as { jwks_uri: string }
    expect(doc.jwks_uri).toBe('http://gitlab.example.com/keys')
    gitlab.setDiscoveryResponse('hang')
    const error = await fetch(gitlab.discoveryUrl, { signal: AbortSignal.timeout(200) }).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ name: 'TimeoutError' })
    expect(gitlab.requests).toMatchObject({ discovery: 3, jwks: 1 })
  })

  it('redirect: 302 to the discovery document on the other origin', async () => {
    gitlab.setDiscoveryResponse('redirect')
    const res = await get(gitlab.discoveryUrl)
    expect(res.status).toBe(302)
    const target = await get(String(res.headers.location))
    expect(JSON.parse(target.body.toString())).toEqual(gitlab.discoveryDocument())
    expect(gitlab.requests.redirected).toBe(1)
  })
})
