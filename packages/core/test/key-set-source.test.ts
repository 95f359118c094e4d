import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FetchError } from '../src/fetch-json.js'
import { KeySetSource } from '../src/key-set-source.js'

let gitlab: MockGitlab

beforeAll(async () => {
  gitlab = await createMockGitlab()
})
afterAll(() => gitlab.close())
beforeEach(() => {
  gitlab.setDiscoveryResponse('ok')
  gitlab.resetRequests()
})

const source = (issuer: string, jwksUri?: string) =>
  new KeySetSource(jwksUri === undefined ? { issuer } : { issuer, jwksUri }, {
    fetch: globalThis.fetch,
    timeoutMs: 2_000,
  })
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as FetchError,
  )

describe('KeySetSource', () => {
  it('discovers the jwks_uri once, then fetches the key set directly', async () => {
    const keys = source(gitlab.issuer)
    expect((await keys.fetch()).jwksUri).toBe(gitlab.jwksUri)
    await keys.fetch()
    expect(gitlab.requests).toMatchObject({ discovery: 1, jwks: 2 })
  })

  it('an issuer configured with a trailing slash: the message names both values and the fix', async () => {
    const error = await failure(source(`${gitlab.issuer}/`).fetch())
    expect(error).toBeInstanceOf(FetchError)
    expect(error?.message).toBe(
      `discovery document names issuer "${gitlab.issuer}", configured "${gitlab.issuer}/": set "issuer" to "${gitlab.issuer}" exactly (tokens carry that value as iss)`,
    )
    expect(error?.url).toBe(gitlab.discoveryUrl)
    expect(gitlab.requests.jwks).toBe(0)
  })

  it('an issuer that differs in host case only: the same hint', async () => {
    const upper = gitlab.issuer.replace('http://', 'HTTP://')
    const error = await failure(source(upper).fetch())
    expect(error?.message).toContain(`set "issuer" to "${gitlab.issuer}" exactly`)
  })

  it('another issuer altogether: both values and the jwksUri advice', async () => {
    gitlab.setDiscoveryResponse('wrong-issuer')
    const error = await failure(source(gitlab.issuer).fetch())
    expect(error?.message).toMatch(
      /^discovery document names issuer ".*", configured ".*"; configure "jwksUri"/,
    )
  })

  it('adopts a jwks_uri learnt elsewhere only when none is configured and it is trusted', async () => {
    const keys = source(gitlab.issuer)
    keys.adopt('http://gitlab.example.test/keys')
    expect(keys.jwksUri).toBeUndefined()
    keys.adopt(gitlab.jwksUri)
    await keys.fetch()
    expect(gitlab.requests).toMatchObject({ discovery: 0, jwks: 1 })
    const pinned = source(gitlab.issuer, gitlab.jwksUri)
    pinned.adopt(`${gitlab.url}/elsewhere`)
    expect(pinned.jwksUri).toBe(gitlab.jwksUri)
  })
})
