import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSharedFetch, type FetchRecord } from '../src/shared-fetch.js'

let hits = 0
let status = 200
const server = createServer((req, res) => {
  hits += 1
  const body = req.url?.startsWith('/.well-known')
    ? { issuer: origin, jwks_uri: `${origin}/keys` }
    : { keys: [] }
  setTimeout(
    () => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
    20,
  )
})
let origin = ''
beforeAll(async () => {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => server.close())

describe('createSharedFetch', () => {
  it('shares concurrent GETs and reuses a 200 briefly; every caller gets its own body', async () => {
    let now = 0
    hits = 0
    const records: FetchRecord[] = []
    const shared = createSharedFetch({
      issuers: [{ issuer: origin }],
      now: () => now,
      onFetch: (r) => records.push(r),
    })
    const answers = await Promise.all(Array.from({ length: 5 }, () => shared(`${origin}/keys`)))
    expect(hits).toBe(1)
    for (const answer of answers) expect(await answer.json()).toEqual({ keys: [] })
    await shared(`${origin}/keys`)
    expect(hits).toBe(1)
    now = 2000
    await shared(`${origin}/keys`)
    expect(hits).toBe(2)
    // Unknown to the issuer map until discovery names it: no record for /keys yet.
    expect(records).toEqual([])
    await shared(`${origin}/.well-known/openid-configuration`)
    now = 5000
    await shared(`${origin}/keys`)
    expect(records).toEqual([
      { issuer: origin, kind: 'discovery', ok: true },
      { issuer: origin, kind: 'jwks', ok: true },
    ])
  })

  it('does not reuse failures, and records them', async () => {
    hits = 0
    status = 500
    const records: FetchRecord[] = []
    const shared = createSharedFetch({
      issuers: [{ issuer: origin, jwksUri: `${origin}/keys` }],
      onFetch: (r) => records.push(r),
    })
    expect((await shared(`${origin}/keys`)).status).toBe(500)
    expect((await shared(`${origin}/keys`)).status).toBe(500)
    expect(hits).toBe(2)
    expect(records.every((r) => !r.ok)).toBe(true)
    status = 200
  })

  it("honours each caller's abort signal", async () => {
    const shared = createSharedFetch({ issuers: [] })
    await expect(shared(`${origin}/keys`, { signal: AbortSignal.timeout(1) })).rejects.toThrow()
  })
})
