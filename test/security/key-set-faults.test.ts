/**
 * Key-set faults, all on loopback: what the verifier answers, how many discovery and key-set
 * fetches it makes, and that it recovers on the next good response once the refetch budget allows
 * (one on-demand fetch per `cooldown`, 5 s by default, at most 6 a minute; crossed with the
 * verifier's `now` option). Fetch timeout is set to 0.3 s.
 */

import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  verify as cryptoVerify,
} from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createVerifier, type JwksOptions } from '@gitlab-id-token/core'
import {
  createMockGitlab,
  generateSigningKey,
  HUGE_BODY_BYTES,
  type MockGitlab,
} from '@gitlab-id-token/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { startAttackerServer, type AttackerServer } from './support/attacker.js'
import { createClock } from './support/clock.js'
import {
  codeOf,
  createRig,
  FAULT_AUDIENCE,
  faultPolicy,
  fetchCounts,
  figures,
  outcome,
  printFigures,
  type Outcome,
  type Rig,
  type RigOptions,
} from './support/fault-rig.js'
import { bearer, sendRaw } from './support/http.js'
import { startApp } from './support/servers.js'

const COOLDOWN_MS = 5_000
const clock = createClock()
let gitlab: MockGitlab
let attacker: AttackerServer

beforeAll(async () => {
  gitlab = await createMockGitlab({ now: clock.now })
  attacker = await startAttackerServer({ keys: [generateSigningKey().publicJwk] })
  // Load undici once: the first fetch of a process can take longer than the 0.3 s timeout below,
  // which would make a fault case fail for the wrong reason.
  await (await fetch(gitlab.discoveryUrl)).text()
})

afterAll(async () => {
  printFigures()
  await attacker.close()
  await gitlab.close()
})

beforeEach(() => {
  gitlab.setKeySetResponse('ok')
  gitlab.setDiscoveryResponse('ok')
  gitlab.unpublishKeys()
  gitlab.resetRequests()
})

function expectUnavailable(result: Outcome): void {
  expect(codeOf(result)).toBe('ERR_JWKS_UNAVAILABLE')
  if (result === 'ok') return
  expect(result.status).toBe(503)
  expect(Number(result.headers['Retry-After'])).toBeGreaterThanOrEqual(1)
}

/**
 * A fault on a cold verifier (nothing cached): the first request fetches and fails, a second one
 * inside the cooldown fetches nothing, and once the cooldown has passed a good response recovers.
 */
async function coldFault(
  fault: string,
  apply: () => void,
  expected: { code: string; status: number; cause?: string },
  check: (rig: Rig, first: Outcome) => void = () => undefined,
  options: RigOptions = {},
): Promise<void> {
  const rig = createRig(gitlab, clock, options)
  apply()
  const first = await rig.verify()
  expect(codeOf(first)).toBe(expected.code)
  if (first !== 'ok') expect(first.status).toBe(expected.status)
  if (expected.code === 'ERR_JWKS_UNAVAILABLE') expectUnavailable(first)
  // The failure is the fault under test, not a timeout or another accident.
  if (expected.cause !== undefined && first !== 'ok') {
    expect(String((first.cause as Error | undefined)?.message)).toContain(expected.cause)
  }
  const during = fetchCounts(gitlab)
  const again = await rig.verify()
  expect(codeOf(again)).toBe(expected.code)
  expect(fetchCounts(gitlab)).toBe(during)
  check(rig, first)

  gitlab.setKeySetResponse('ok')
  gitlab.setDiscoveryResponse('ok')
  gitlab.unpublishKeys()
  clock.advance(COOLDOWN_MS)
  expect(await rig.verify()).toBe('ok')
  figures.push({
    fault,
    answer: `${expected.code} ${expected.status}`,
    duringFault: during,
    recovery: `ok; total ${fetchCounts(gitlab)}`,
  })
}

const unavailable = (cause: string) => ({ code: 'ERR_JWKS_UNAVAILABLE', status: 503, cause })
const KEY_NOT_FOUND = { code: 'ERR_KEY_NOT_FOUND', status: 401 }

describe('key-set faults on a cold verifier', () => {
  it('key set answers 500 → 503 ERR_JWKS_UNAVAILABLE, one fetch, recovers', async () => {
    await coldFault(
      'key set HTTP 500',
      () => gitlab.setKeySetResponse('error'),
      unavailable('answered HTTP 500'),
    )
  })

  it('key set answers 404 → 503, one fetch, recovers', async () => {
    await coldFault(
      'key set HTTP 404',
      () => gitlab.setKeySetResponse('not-found'),
      unavailable('answered HTTP 404'),
    )
  })

  it('key set answers 429 with Retry-After: 60 → 503 with our own Retry-After (cooldown), recovers after the cooldown', async () => {
    await coldFault(
      'key set HTTP 429, Retry-After: 60',
      () => gitlab.setKeySetResponse('rate-limited'),
      unavailable('answered HTTP 429'),
      (_rig, first) => {
        // The verifier's refetch budget, not the upstream Retry-After, paces the next attempt.
        if (first !== 'ok') expect(first.headers['Retry-After']).toBe('5')
      },
    )
  })

  it('key set answers 302 to another loopback origin → 503, the redirect is not followed', async () => {
    await coldFault(
      'key set HTTP 302 to another loopback origin',
      () => gitlab.setKeySetResponse('redirect'),
      unavailable('answered HTTP 302'),
      () => expect(gitlab.requests.redirected).toBe(0),
    )
  })

  it('key set answers 301 to an attacker server → 503, the attacker gets no request', async () => {
    await coldFault(
      'key set HTTP 301 to an attacker server',
      () =>
        gitlab.setKeySetResponse({
          status: 301,
          headers: { location: `${attacker.url}/oauth/discovery/keys` },
          body: '',
        }),
      unavailable('answered HTTP 301'),
      () => expect(attacker.requests).toBe(0),
    )
  })

  it('discovery answers 302 → 503, not followed, no key-set fetch', async () => {
    await coldFault(
      'discovery HTTP 302 to another loopback origin',
      () => gitlab.setDiscoveryResponse('redirect'),
      unavailable('answered HTTP 302'),
      () => {
        expect(gitlab.requests.redirected).toBe(0)
        expect(gitlab.requests.jwks).toBe(0)
      },
    )
  })

  it('discovery answers 500 → 503, no key-set fetch', async () => {
    await coldFault(
      'discovery HTTP 500',
      () => gitlab.setDiscoveryResponse('error'),
      unavailable('answered HTTP 500'),
      () => expect(gitlab.requests.jwks).toBe(0),
    )
  })

  it('key set body is truncated JSON → 503', async () => {
    await coldFault(
      'key set truncated JSON',
      () => gitlab.setKeySetResponse('truncated'),
      unavailable('not JSON'),
    )
  })

  it('key set body is not JSON → 503', async () => {
    await coldFault(
      'key set body not JSON',
      () => gitlab.setKeySetResponse('garbage'),
      unavailable('not JSON'),
    )
  })

  it('key set is valid JSON of the wrong shape ({"no_keys": [...]}) → 503', async () => {
    await coldFault(
      'key set JSON of the wrong shape',
      () => gitlab.setKeySetResponse('wrong-shape'),
      unavailable('"keys" array'),
    )
  })

  it('key set body of 10 MB, chunked without Content-Length → 503, cut at the 512 KiB cap', async () => {
    await coldFault(
      'key set 10 MB body, chunked',
      () => gitlab.setKeySetResponse('huge'),
      unavailable('body larger than 524288 bytes'),
      () => expect(HUGE_BODY_BYTES).toBe(10 * 1024 * 1024),
      // The mock builds 10 MB in this process: give it time, so the size cap is what fires.
      { jwks: { timeout: 5 } },
    )
  })

  it('key set body of 10 MB with Content-Length → 503, refused on the declared length', async () => {
    const body = Buffer.alloc(HUGE_BODY_BYTES, 0x20)
    await coldFault(
      'key set 10 MB body, Content-Length declared',
      () => gitlab.setKeySetResponse({ body }),
      unavailable('body larger than 524288 bytes'),
      undefined,
      { jwks: { timeout: 5 } },
    )
  })

  it('discovery document names another issuer → 503 (our misconfiguration), no key-set fetch', async () => {
    await coldFault(
      'discovery issuer differs',
      () => gitlab.setDiscoveryResponse('wrong-issuer'),
      unavailable('names issuer'),
      () => expect(gitlab.requests.jwks).toBe(0),
    )
  })

  it('discovery names an http:// jwks_uri on a non-loopback host → 503, nothing fetched from it', async () => {
    await coldFault(
      'discovery jwks_uri http:// on a non-loopback host',
      () =>
        gitlab.setDiscoveryResponse({
          body: {
            ...gitlab.discoveryDocument(),
            jwks_uri: 'http://gitlab.example.test/oauth/discovery/keys',
          },
        }),
      unavailable('jwks_uri'),
      (rig) => {
        expect(rig.urls.some((url) => url.includes('gitlab.example.test'))).toBe(false)
        expect(gitlab.requests.jwks).toBe(0)
      },
    )
  })

  it('key set holds only keys of the wrong type for RS256 under the token kid → 401 ERR_KEY_NOT_FOUND', async () => {
    const kid = gitlab.ciKey.kid
    const rsaPublic = (bits: number) =>
      generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' })
    const wrongKeys = [
      {
        ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
        kid,
        alg: 'ES256',
        use: 'sig',
      },
      { kty: 'oct', k: randomBytes(32).toString('base64url'), kid, alg: 'HS256' },
      { ...rsaPublic(1024), kid, alg: 'RS256', use: 'sig' },
      { ...gitlab.ciKey.publicJwk, use: 'enc' },
      { ...gitlab.ciKey.publicJwk, alg: 'RS512' },
      {
        ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
        kid,
      },
      { ...gitlab.ciKey.publicJwk, n: 'not-a-modulus' },
      'not a key',
      null,
    ]
    await coldFault(
      'key set with only wrong-type keys under the kid (EC, oct, RSA-1024, use enc, alg RS512, private, bad n)',
      () => gitlab.setKeySetResponse({ body: { keys: wrongKeys } }),
      KEY_NOT_FOUND,
    )
    // The same wrong keys next to the real one are skipped silently.
    gitlab.resetRequests()
    const rig = createRig(gitlab, clock)
    gitlab.setKeySetResponse({ body: { keys: [...wrongKeys, gitlab.ciKey.publicJwk] } })
    expect(await rig.verify()).toBe('ok')
    expect(gitlab.requests.jwks).toBe(1)
  })
})

describe('key-set faults with timing and concurrency', () => {
  it('key set hangs → 503 at the 0.3 s timeout for 50 concurrent requests sharing one fetch, recovers', async () => {
    const rig = createRig(gitlab, clock)
    gitlab.setKeySetResponse('hang')
    const started = performance.now()
    const results = await Promise.all(Array.from({ length: 50 }, () => rig.verify()))
    const elapsed = performance.now() - started
    for (const result of results) expectUnavailable(result)
    expect(gitlab.requests.jwks).toBe(1)
    // Fails at the configured timeout, not at some later one (generous upper bound for slow CI).
    expect(elapsed).toBeGreaterThanOrEqual(250)
    expect(elapsed).toBeLessThan(3000)
    const during = fetchCounts(gitlab)
    gitlab.setKeySetResponse('ok')
    clock.advance(COOLDOWN_MS)
    expect(await rig.verify()).toBe('ok')
    figures.push({
      fault: 'key set never answers (50 concurrent requests)',
      answer: `ERR_JWKS_UNAVAILABLE 503 after ${Math.round(elapsed)} ms (timeout 0.3 s)`,
      duringFault: during,
      recovery: `ok; total ${fetchCounts(gitlab)}`,
    })
  })

  it('key set sends headers and half a body, then stalls → 503 at the timeout (the timeout covers the body)', async () => {
    let requests = 0
    const stall: Server = createServer((_req, res) => {
      requests += 1
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' })
      res.write('{"keys":[')
    })
    await new Promise<void>((resolve) => stall.listen(0, '127.0.0.1', () => resolve()))
    const { port } = stall.address() as AddressInfo
    try {
      const rig = createRig(gitlab, clock, {
        issuer: { issuer: gitlab.issuer, jwksUri: `http://127.0.0.1:${port}/keys` },
      })
      const started = performance.now()
      const result = await rig.verify()
      const elapsed = performance.now() - started
      expectUnavailable(result)
      expect(elapsed).toBeGreaterThanOrEqual(250)
      expect(elapsed).toBeLessThan(3000)
      expect(requests).toBe(1)
      figures.push({
        fault: 'key set stalls mid-body',
        answer: `ERR_JWKS_UNAVAILABLE 503 after ${Math.round(elapsed)} ms (timeout 0.3 s)`,
        duringFault: 'key set 1',
        recovery: '(same as a hang)',
      })
    } finally {
      stall.closeAllConnections()
      await new Promise<void>((resolve) => stall.close(() => resolve()))
    }
  })

  it('duplicate kids in the key set: the real key still verifies, one fetch', async () => {
    const rig = createRig(gitlab, clock)
    const impostor = generateSigningKey({ kid: gitlab.ciKey.kid })
    gitlab.setKeySetResponse({ body: { keys: [impostor.publicJwk, gitlab.ciKey.publicJwk] } })
    expect(await rig.verify()).toBe('ok')
    const unpublished = generateSigningKey({ kid: gitlab.ciKey.kid })
    const forged = gitlab.mint(
      { aud: FAULT_AUDIENCE, project_path: 'acme/widget' },
      { key: unpublished },
    )
    expect(codeOf(await rig.verify(forged))).toBe('ERR_SIGNATURE_INVALID')
    expect(gitlab.requests.jwks).toBe(1)
    figures.push({
      fault: 'duplicate kid in the key set (another key first)',
      answer:
        'ok for the real key; ERR_SIGNATURE_INVALID 401 for an unpublished key under that kid',
      duringFault: fetchCounts(gitlab),
      recovery: '(no fault to recover from)',
    })
  })

  it('rotation during an in-flight fetch: one coalesced fetch, the old key is dropped (401), the next rotation gets 503 + Retry-After until the budget allows, then is seen', async () => {
    const rig = createRig(gitlab, clock)
    const oldToken = rig.token()
    expect(await rig.verify(oldToken)).toBe('ok')
    expect(gitlab.requests.jwks).toBe(1)

    clock.advance(COOLDOWN_MS + 1000)
    gitlab.setKeySetResponse({ delayMs: 200 })
    gitlab.rotateKey()
    const rotatedToken = rig.token()
    const arrived = gitlab.nextRequest('jwks')
    const inFlight = Array.from({ length: 50 }, () => rig.verify(rotatedToken))
    await arrived
    // The in-flight response was taken when the request arrived; rotate again while it travels.
    gitlab.rotateKey()
    const results = await Promise.all(inFlight)
    expect(results.every((result) => result === 'ok')).toBe(true)
    expect(gitlab.requests.jwks).toBe(2)

    // The key set now lacks the first key: its cached result is not used any more.
    expect(codeOf(await rig.verify(oldToken))).toBe('ERR_KEY_NOT_FOUND')
    // The second rotation is not visible while the budget is spent, and no fetch is made for it;
    // its caller did nothing wrong, so the answer is retryable.
    const latestToken = rig.token()
    const spent = await rig.verify(latestToken)
    expectUnavailable(spent)
    if (spent !== 'ok') expect(Number(spent.headers['Retry-After'])).toBeLessThanOrEqual(5)
    expect(gitlab.requests.jwks).toBe(2)
    const during = fetchCounts(gitlab)

    gitlab.setKeySetResponse('ok')
    clock.advance(COOLDOWN_MS)
    expect(await rig.verify(latestToken)).toBe('ok')
    expect(codeOf(await rig.verify(rotatedToken))).toBe('ERR_KEY_NOT_FOUND')
    expect(gitlab.requests.jwks).toBe(3)
    figures.push({
      fault: 'rotation during an in-flight fetch (50 concurrent requests with the new kid)',
      answer:
        'ok for all 50 (one shared fetch); old-key token ERR_KEY_NOT_FOUND 401; a second rotation ERR_JWKS_UNAVAILABLE 503 + Retry-After until the budget allows',
      duringFault: during,
      recovery: `ok; total ${fetchCounts(gitlab)}`,
    })
  })

  it('outage longer than maxStale: stale keys serve until cacheMaxAge + maxStale, then 503, then recovery', async () => {
    const rig = createRig(gitlab, clock, { jwks: { cacheMaxAge: 600, maxStale: 3600 } })
    const t0 = clock.now()
    expect(await rig.verify()).toBe('ok')
    gitlab.setKeySetResponse('error')

    const attemptsSettled = async (count: number): Promise<void> => {
      await vi.waitFor(() => expect(gitlab.requests.jwks + gitlab.requests.discovery).toBe(count))
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    clock.set(t0 + 601_000)
    expect(await rig.verify()).toBe('ok') // stale, a background refresh starts and fails
    await attemptsSettled(3)
    clock.set(t0 + 600_000 + 3_599_000)
    expect(await rig.verify()).toBe('ok') // still inside maxStale; another background attempt
    await attemptsSettled(5)
    clock.set(t0 + 600_000 + 3_601_000)
    expectUnavailable(await rig.verify()) // past maxStale: nothing usable
    const during = fetchCounts(gitlab)

    gitlab.setKeySetResponse('ok')
    clock.advance(COOLDOWN_MS)
    expect(await rig.verify()).toBe('ok')
    figures.push({
      fault: 'outage longer than maxStale (cacheMaxAge 600 s, maxStale 3600 s)',
      answer: 'ok (stale keys) at +601 s and +4199 s; ERR_JWKS_UNAVAILABLE 503 at +4201 s',
      duringFault: during,
      recovery: `ok; total ${fetchCounts(gitlab)}`,
    })
  })

  it('through Express: the 503 carries Retry-After and the code', async () => {
    gitlab.setKeySetResponse('error')
    const verifier = createVerifier({
      issuer: gitlab.issuer,
      audience: FAULT_AUDIENCE,
      policy: faultPolicy,
      now: clock.now,
      jwks: { timeout: 0.3 },
    })
    const app = await startApp('Express', { verifier })
    try {
      const token = gitlab.mint({ aud: FAULT_AUDIENCE, project_path: 'acme/widget' })
      const response = await sendRaw(`${app.url}/whoami`, { headers: bearer(token) })
      expect(response.status).toBe(503)
      expect(response.json).toMatchObject({
        error: 'server_error',
        error_description: 'signing keys unavailable',
        code: 'ERR_JWKS_UNAVAILABLE',
      })
      expect(response.headers['retry-after']).toBe('5')
    } finally {
      await app.close()
    }
  })
})

describe('key-set hardening (issue 8)', () => {
  /** A verifier on the test clock that records, per verify(), whether the result cache answered. */
  function cachingVerifier(jwks: JwksOptions = {}) {
    const cached: boolean[] = []
    const verifier = createVerifier({
      issuer: gitlab.issuer,
      audience: FAULT_AUDIENCE,
      policy: faultPolicy,
      now: clock.now,
      jwks: { timeout: 0.3, ...jwks },
      onDecision: (event) => cached.push(event.cached),
    })
    return { verifier, cached, verify: (token: string) => outcome(verifier.verify(token)) }
  }

  it('cache hits past cacheMaxAge start the background refresh: a rotated-out key stops verifying (401) although only cached tokens arrive', async () => {
    const { verify, cached } = cachingVerifier()
    const token = gitlab.mint({ aud: FAULT_AUDIENCE, project_path: 'acme/widget' })
    for (let i = 0; i < 3; i += 1) expect(await verify(token)).toBe('ok')
    expect(cached.at(-1)).toBe(true)
    expect(gitlab.requests.jwks).toBe(1)
    gitlab.rotateKey()
    clock.advance(601_000)
    // The hit is still served from the keys in memory, and starts the refresh.
    expect(await verify(token)).toBe('ok')
    await vi.waitFor(() => expect(gitlab.requests.jwks).toBe(2))
    await vi.waitFor(async () => expect(codeOf(await verify(token))).toBe('ERR_KEY_NOT_FOUND'))
    const refused = await verify(token)
    expect(refused !== 'ok' && refused.status).toBe(401)
    expect(gitlab.requests.jwks).toBe(2)
    figures.push({
      fault: 'GitLab rotates the key out; only cached tokens arrive past cacheMaxAge',
      answer: 'ok once (served, starts the refresh), then ERR_KEY_NOT_FOUND 401',
      duringFault: fetchCounts(gitlab),
      recovery: '(no fault to recover from)',
    })
  })

  it('a refresh that returns the same keys keeps cached results (compared by kid + thumbprint)', async () => {
    const { verify, cached } = cachingVerifier()
    const token = gitlab.mint({ aud: FAULT_AUDIENCE, project_path: 'acme/widget' })
    for (let i = 0; i < 3; i += 1) expect(await verify(token)).toBe('ok')
    clock.advance(601_000)
    // Another token's key lookup starts the refresh; the key set comes back unchanged.
    expect(await verify(gitlab.mint({ aud: FAULT_AUDIENCE, project_path: 'acme/widget' }))).toBe(
      'ok',
    )
    await vi.waitFor(() => expect(gitlab.requests.jwks).toBe(2))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await verify(token)).toBe('ok')
    expect(cached.at(-1)).toBe(true)
  })

  it('a cacheMaxAge shorter than the cooldown is honoured, not stretched to the cooldown', async () => {
    const rig = createRig(gitlab, clock, { jwks: { cacheMaxAge: 2, cooldown: 30 } })
    expect(await rig.verify()).toBe('ok')
    gitlab.rotateKey()
    clock.advance(2_001)
    // Past the 2 s max age the refresh runs at once (the new key's token rides on it); it does not
    // wait for the 30 s cooldown, which only paces on-demand fetches.
    expect(await rig.verify()).toBe('ok')
    expect(gitlab.requests.jwks).toBe(2)
    clock.advance(2_001)
    expect(await rig.verify()).toBe('ok')
    await vi.waitFor(() => expect(gitlab.requests.jwks).toBe(3))
  })

  it('a junk kid just before a real rotation: the new key’s first tokens get 503 + Retry-After (retryable), then verify', async () => {
    const rig = createRig(gitlab, clock)
    expect(await rig.verify()).toBe('ok')
    clock.advance(COOLDOWN_MS)
    const junk = gitlab.mint(
      { aud: FAULT_AUDIENCE, project_path: 'acme/widget' },
      { header: { kid: 'junk-kid' } },
    )
    const first = await rig.verify(junk)
    expect(codeOf(first)).toBe('ERR_KEY_NOT_FOUND')
    expect(first !== 'ok' && first.status).toBe(401)
    expect(gitlab.requests.jwks).toBe(2)
    // The same junk kid again: the latest fetch already showed it absent, 401 without a fetch.
    expect(codeOf(await rig.verify(junk))).toBe('ERR_KEY_NOT_FOUND')
    gitlab.rotateKey()
    const genuine = await rig.verify()
    expectUnavailable(genuine)
    if (genuine !== 'ok') {
      expect(genuine.headers['Retry-After']).toBe('5')
      expect(genuine.headers['WWW-Authenticate']).toBe('Bearer realm="gitlab-id-token"')
      expect(genuine.details).toMatchObject({ issuer: gitlab.issuer })
    }
    expect(gitlab.requests.jwks).toBe(2)
    clock.advance(COOLDOWN_MS)
    expect(await rig.verify()).toBe('ok')
    expect(gitlab.requests.jwks).toBe(3)
    figures.push({
      fault: 'junk kid, then a real rotation inside the refetch interval',
      answer:
        'junk ERR_KEY_NOT_FOUND 401; the new key ERR_JWKS_UNAVAILABLE 503 Retry-After: 5, then ok',
      duringFault: fetchCounts(gitlab),
      recovery: 'ok after 5 s',
    })
  })

  it('a flood of random kids stays within the refetch budget (≤ 1 per cooldown, ≤ 6 a minute), every answer 401 or 503 + Retry-After', async () => {
    const rig = createRig(gitlab, clock)
    expect(await rig.verify()).toBe('ok')
    const started = clock.now()
    const codes = new Map<string, number>()
    for (let batch = 0; batch < 60; batch += 1) {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          clock.advance(100)
          const token = gitlab.mint(
            { aud: FAULT_AUDIENCE, project_path: 'acme/widget' },
            { header: { kid: `random-${batch}-${i}` } },
          )
          return rig.verify(token)
        }),
      )
      for (const result of results) {
        const code = codeOf(result)
        codes.set(code, (codes.get(code) ?? 0) + 1)
        if (code === 'ERR_JWKS_UNAVAILABLE' && result !== 'ok') {
          expect(Number(result.headers['Retry-After'])).toBeGreaterThanOrEqual(1)
        }
      }
    }
    const durationMs = clock.now() - started // 120 s
    expect([...codes.keys()].sort()).toEqual(['ERR_JWKS_UNAVAILABLE', 'ERR_KEY_NOT_FOUND'])
    const onDemand = gitlab.requests.jwks - 1
    expect(onDemand).toBeLessThanOrEqual(Math.ceil(durationMs / COOLDOWN_MS))
    expect(onDemand).toBeLessThanOrEqual(6 * Math.ceil(durationMs / 60_000))
    expect(onDemand).toBeGreaterThan(1)
    expect(gitlab.requests.discovery).toBe(1)
    figures.push({
      fault: '1,200 random kids over 120 s of verifier clock',
      answer: `ERR_KEY_NOT_FOUND 401 ×${codes.get('ERR_KEY_NOT_FOUND')}, ERR_JWKS_UNAVAILABLE 503 ×${codes.get('ERR_JWKS_UNAVAILABLE')}`,
      duringFault: fetchCounts(gitlab),
      recovery: '(bounded by the budget)',
    })
  })

  it('RSA keys with e = 1 or an even exponent are skipped at import: a "signature" made with no private key → 401 ERR_KEY_NOT_FOUND', async () => {
    const modulus = gitlab.ciKey.publicJwk.n
    gitlab.publishKeys([
      { kty: 'RSA', kid: 'exponent-one', n: modulus, e: 'AQ', use: 'sig', alg: 'RS256' },
      { kty: 'RSA', kid: 'exponent-even', n: modulus, e: 'AQAA', use: 'sig', alg: 'RS256' },
    ])
    const rig = createRig(gitlab, clock)
    const forge = (kid: string): string => {
      const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' })).toString(
        'base64url',
      )
      const payload = Buffer.from(
        JSON.stringify(gitlab.buildClaims({ aud: FAULT_AUDIENCE, project_path: 'acme/widget' })),
      ).toString('base64url')
      // With e = 1, s^e mod n = s: the EMSA-PKCS1-v1_5 encoding itself "verifies" (RFC 8017 §9.2).
      const digestInfo = Buffer.from('3031300d060960864801650304020105000420', 'hex')
      const digest = createHash('sha256').update(`${header}.${payload}`).digest()
      const padding = Buffer.alloc(256 - 3 - digestInfo.length - digest.length, 0xff)
      const encoded = Buffer.concat([
        Buffer.from([0, 1]),
        padding,
        Buffer.from([0]),
        digestInfo,
        digest,
      ])
      return `${header}.${payload}.${encoded.toString('base64url')}`
    }
    // The forgery is sound: Node itself accepts it under the e = 1 key.
    const weak = createPublicKey({
      key: { kty: 'RSA', n: modulus, e: 'AQ' },
      format: 'jwk',
    })
    const forged = forge('exponent-one')
    const [h, p, sig] = forged.split('.') as [string, string, string]
    expect(
      cryptoVerify('sha256', Buffer.from(`${h}.${p}`), weak, Buffer.from(sig, 'base64url')),
    ).toBe(true)
    for (const kid of ['exponent-one', 'exponent-even']) {
      const result = await rig.verify(forge(kid))
      expect(codeOf(result)).toBe('ERR_KEY_NOT_FOUND')
      if (result !== 'ok') {
        expect(result.status).toBe(401)
        expect(result.headers['WWW-Authenticate']).toContain('error="invalid_token"')
      }
    }
    expect(await rig.verify()).toBe('ok')
  })
})
