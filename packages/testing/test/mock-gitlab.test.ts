import { createPublicKey, generateKeyPairSync } from 'node:crypto'

import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
} from 'jose'
import { afterEach, describe, expect, it } from 'vitest'

import { createMockGitlab, generateSigningKey } from '../src/index.js'
import type { MockGitlab } from '../src/index.js'

const AUD = 'https://deploy.example.com'
const mocks: MockGitlab[] = []
async function start(options?: Parameters<typeof createMockGitlab>[0]): Promise<MockGitlab> {
  const gitlab = await createMockGitlab(options)
  mocks.push(gitlab)
  return gitlab
}
afterEach(async () => {
  await Promise.all(mocks.splice(0).map((gitlab) => gitlab.close()))
})

async function verifyAgainst(gitlab: MockGitlab, token: string, audience = AUD, at?: number) {
  const jwks = createRemoteJWKSet(new URL(gitlab.jwksUri))
  return jwtVerify(token, jwks, {
    issuer: gitlab.issuer,
    audience,
    algorithms: ['RS256'],
    ...(at === undefined ? {} : { currentDate: new Date(at) }),
  })
}

describe('createMockGitlab: the HTTP surface', () => {
  it('listens on 127.0.0.1 with an issuer that has no trailing slash', async () => {
    const gitlab = await start()
    expect(gitlab.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(gitlab.issuer).toBe(gitlab.url)
    expect(gitlab.jwksUri).toBe(`${gitlab.issuer}/oauth/discovery/keys`)
    expect(gitlab.discoveryUrl).toBe(`${gitlab.issuer}/.well-known/openid-configuration`)
  })

  it('serves the discovery document GitLab serves', async () => {
    const gitlab = await start()
    const res = await fetch(`${gitlab.issuer}/.well-known/openid-configuration`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const doc = (await res.json()) as Record<string, unknown>
    expect(doc).toMatchObject({
      issuer: gitlab.issuer,
      jwks_uri: gitlab.jwksUri,
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      claim_types_supported: ['normal'],
      response_types_supported: ['code'],
    })
    expect(doc.claims_supported).toEqual(
      expect.arrayContaining([
        'iss',
        'sub',
        'aud',
        'groups_direct',
        'project_path',
        'ci_config_ref_uri',
        'jti',
      ]),
    )
    expect(gitlab.requests).toMatchObject({ discovery: 1, jwks: 0, total: 1 })
  })

  it('serves the key set with GitLab key shapes and caching headers', async () => {
    const gitlab = await start()
    const res = await fetch(gitlab.jwksUri)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('cache-control')).toBe(
      'max-age=86400, public, must-revalidate, no-transform',
    )
    const body = (await res.json()) as { keys: Record<string, unknown>[] }
    expect(body.keys).toHaveLength(2)
    for (const key of body.keys) {
      expect(Object.keys(key)).toEqual(['kty', 'kid', 'e', 'n', 'use', 'alg'])
      expect(key).toMatchObject({ kty: 'RSA', e: 'AQAB', use: 'sig', alg: 'RS256' })
      expect(key.kid).toBe(
        await calculateJwkThumbprint(key as { kty: 'RSA'; e: string; n: string }),
      )
    }
    // GitLab's order: the OIDC (user) key, then the CI key.
    expect(body.keys.map((key) => key.kid)).toEqual([gitlab.userKey.kid, gitlab.ciKey.kid])
    expect(gitlab.requests).toMatchObject({ discovery: 0, jwks: 1, total: 1 })
  })

  it('uses 2048-bit RSA keys', async () => {
    const gitlab = await start()
    expect(createPublicKey(gitlab.ciKey.privateKey).asymmetricKeyDetails?.modulusLength).toBe(2048)
    expect(gitlab.userKey.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048)
  })

  it('answers unknown paths and other methods with 404 and counts them', async () => {
    const gitlab = await start()
    expect((await fetch(`${gitlab.url}/-/jwks`)).status).toBe(404)
    expect((await fetch(gitlab.jwksUri, { method: 'POST', body: '{}' })).status).toBe(404)
    expect(gitlab.requests).toMatchObject({ other: 2, jwks: 0, total: 2 })
  })

  it('serves discovery and keys under the issuer path when the issuer has a relative root', async () => {
    const gitlab = await start({ issuer: (origin) => `${origin}/gitlab` })
    expect(gitlab.issuer).toBe(`${gitlab.url}/gitlab`)
    expect(gitlab.jwksUri).toBe(`${gitlab.url}/gitlab/oauth/discovery/keys`)
    const doc = (await (
      await fetch(`${gitlab.issuer}/.well-known/openid-configuration`)
    ).json()) as {
      issuer: string
      jwks_uri: string
    }
    expect(doc).toMatchObject({ issuer: gitlab.issuer, jwks_uri: gitlab.jwksUri })
    expect((await fetch(`${gitlab.url}/oauth/discovery/keys`)).status).toBe(404)
    const { payload } = await verifyAgainst(gitlab, gitlab.mint({ aud: AUD }))
    expect(payload.iss).toBe(gitlab.issuer)
    expect(payload.ci_config_ref_uri).toBe(
      `${new URL(gitlab.url).host}/gitlab/my-group/my-project//.gitlab-ci.yml@refs/heads/main`,
    )
  })

  it('keeps a trailing-slash issuer verbatim and merges slashes like nginx', async () => {
    const gitlab = await start({ issuer: (origin) => `${origin}/` })
    expect(gitlab.issuer).toBe(`${gitlab.url}/`)
    expect(decodeJwt(gitlab.mint()).iss).toBe(`${gitlab.url}/`)
    const res = await fetch(`${gitlab.issuer}/.well-known/openid-configuration`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { jwks_uri: string }).jwks_uri).toBe(
      `${gitlab.url}/oauth/discovery/keys`,
    )
  })

  it('signs with a fixed issuer string while still serving keys locally', async () => {
    const gitlab = await start({ issuer: 'https://gitlab.example.com' })
    expect(gitlab.issuer).toBe('https://gitlab.example.com')
    expect(gitlab.jwksUri).toBe(`${gitlab.url}/oauth/discovery/keys`)
    const { payload } = await verifyAgainst(gitlab, gitlab.mint({ aud: AUD }))
    expect(payload.iss).toBe('https://gitlab.example.com')
    expect(payload.ci_config_ref_uri).toMatch(/^gitlab\.example\.com\/my-group\/my-project\/\//)
  })
})

describe('mint', () => {
  it('produces a token that jose verifies against the served key set', async () => {
    const gitlab = await start()
    const token = gitlab.mint({ aud: AUD, project_path: 'acme/widget', ref: 'main' })
    expect(decodeProtectedHeader(token)).toEqual({
      kid: gitlab.ciKey.kid,
      typ: 'JWT',
      alg: 'RS256',
    })
    expect(Object.keys(decodeProtectedHeader(token))).toEqual(['kid', 'typ', 'alg'])
    const { payload } = await verifyAgainst(gitlab, token)
    expect(payload).toMatchObject({
      iss: gitlab.issuer,
      aud: AUD,
      sub: 'project_path:acme/widget:ref_type:branch:ref:main',
      project_path: 'acme/widget',
      namespace_path: 'acme',
    })
  })

  it('is synchronous and uses the configured default audience', async () => {
    const gitlab = await start({ audience: ['https://a.example', 'https://b.example'] })
    const token: string = gitlab.mint()
    expect(decodeJwt(token).aud).toEqual(['https://a.example', 'https://b.example'])
  })

  it('uses the injected clock and expiresIn (default 3600 s)', async () => {
    const gitlab = await start({ now: () => 1_722_189_366_500 })
    const claims = decodeJwt(gitlab.mint({ aud: AUD }))
    expect(claims).toMatchObject({ iat: 1_722_189_366, nbf: 1_722_189_361, exp: 1_722_192_966 })
    const short = decodeJwt(gitlab.mint({ aud: AUD }, { now: 1_000_000_000_000, expiresIn: 300 }))
    expect(short).toMatchObject({ iat: 1_000_000_000, nbf: 999_999_995, exp: 1_000_000_300 })
  })

  it('gives each token a new jti and job_id', async () => {
    const gitlab = await start()
    const a = decodeJwt(gitlab.mint({ aud: AUD }))
    const b = decodeJwt(gitlab.mint({ aud: AUD }))
    expect(a.jti).not.toBe(b.jti)
    expect(a.job_id).not.toBe(b.job_id)
    expect(a.project_id).toBe(b.project_id)
  })

  it('merges header overrides and removes members set to undefined', async () => {
    const gitlab = await start()
    const token = gitlab.mint(
      { aud: AUD },
      { header: { jku: 'http://127.0.0.1:1/keys', typ: undefined } },
    )
    expect(decodeProtectedHeader(token)).toEqual({
      kid: gitlab.ciKey.kid,
      alg: 'RS256',
      jku: 'http://127.0.0.1:1/keys',
    })
  })

  it('signs with the user key or another key on request', async () => {
    const gitlab = await start()
    const byUser = gitlab.mint({ aud: AUD }, { key: 'user' })
    expect(decodeProtectedHeader(byUser).kid).toBe(gitlab.userKey.kid)
    await expect(verifyAgainst(gitlab, byUser)).resolves.toBeTruthy()
    const stranger = generateSigningKey()
    const byStranger = gitlab.mint({ aud: AUD }, { key: stranger })
    expect(decodeProtectedHeader(byStranger).kid).toBe(stranger.kid)
    await expect(verifyAgainst(gitlab, byStranger)).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    })
  })
})

describe('mintUserToken', () => {
  it('mints a user-login id_token signed by the second published key', async () => {
    const gitlab = await start({ now: () => 1_553_983_043_000 })
    const token = gitlab.mintUserToken()
    expect(decodeProtectedHeader(token)).toEqual({
      kid: gitlab.userKey.kid,
      typ: 'JWT',
      alg: 'RS256',
    })
    const { payload } = await verifyAgainst(gitlab, token, gitlab.oauthClientId, 1_553_983_100_000)
    expect(payload.sub).toMatch(/^\d+$/)
    expect(payload.aud).toMatch(/^[0-9a-f]{64}$/)
    expect(payload).toMatchObject({
      iss: gitlab.issuer,
      iat: 1_553_983_043,
      exp: 1_553_983_163,
      email_verified: true,
      groups_direct: ['my-group'],
    })
    expect(payload).not.toHaveProperty('project_id')
    expect(payload).not.toHaveProperty('job_id')
    expect(payload).not.toHaveProperty('pipeline_id')
  })

  it('takes overrides, e.g. your own audience', async () => {
    const gitlab = await start()
    const { payload } = await verifyAgainst(
      gitlab,
      gitlab.mintUserToken({ aud: AUD, nickname: 'root', sub: '1' }),
    )
    expect(payload).toMatchObject({
      aud: AUD,
      sub: '1',
      nickname: 'root',
      email: 'root@example.com',
    })
  })
})

describe('rotateKey', () => {
  it('replaces the CI key and drops the old one from the key set at once', async () => {
    const gitlab = await start()
    const old = gitlab.ciKey
    const oldToken = gitlab.mint({ aud: AUD })
    const next = gitlab.rotateKey()
    expect(next.kid).not.toBe(old.kid)
    expect(gitlab.ciKey).toBe(next)
    const { keys } = (await (await fetch(gitlab.jwksUri)).json()) as { keys: { kid: string }[] }
    expect(keys.map((key) => key.kid)).toEqual([gitlab.userKey.kid, next.kid])
    await expect(verifyAgainst(gitlab, oldToken)).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    })
    const fresh = gitlab.mint({ aud: AUD })
    expect(decodeProtectedHeader(fresh).kid).toBe(next.kid)
    await expect(verifyAgainst(gitlab, fresh)).resolves.toBeTruthy()
  })

  it('accepts a prepared key', async () => {
    const gitlab = await start()
    const prepared = generateSigningKey()
    expect(gitlab.rotateKey(prepared)).toBe(prepared)
    expect(gitlab.keySet.keys).toContain(prepared.publicJwk)
  })
})

describe('publishKeys', () => {
  it('appends arbitrary keys, duplicate kids and wrong key types included, until unpublished', async () => {
    const gitlab = await start()
    const sameKid = generateSigningKey({ kid: gitlab.ciKey.kid })
    const ec = {
      ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
      kid: 'ec-key',
      alg: 'RS256',
    }
    gitlab.publishKeys([sameKid.publicJwk])
    gitlab.publishKeys([ec])
    const { keys } = (await (await fetch(gitlab.jwksUri)).json()) as {
      keys: { kid: string; kty: string }[]
    }
    expect(keys.map((key) => key.kid)).toEqual([
      gitlab.userKey.kid,
      gitlab.ciKey.kid,
      gitlab.ciKey.kid,
      'ec-key',
    ])
    expect(keys[3]?.kty).toBe('EC')
    gitlab.unpublishKeys()
    expect(gitlab.keySet.keys).toHaveLength(2)
  })
})

describe('sign', () => {
  it('defaults to the CI key and GitLab header, and takes any header', async () => {
    const gitlab = await start()
    const token = gitlab.sign({ hello: 'world' })
    expect(decodeProtectedHeader(token)).toEqual({
      kid: gitlab.ciKey.kid,
      typ: 'JWT',
      alg: 'RS256',
    })
    const raw = gitlab.sign('{"a":1,"a":2}', {
      header: '{"alg":"RS256","alg":"none"}',
      algorithm: 'RS256',
    })
    const [header, payload] = raw.split('.')
    expect(Buffer.from(header ?? '', 'base64url').toString()).toBe('{"alg":"RS256","alg":"none"}')
    expect(Buffer.from(payload ?? '', 'base64url').toString()).toBe('{"a":1,"a":2}')
  })

  it('keeps the CI kid for raw key material so forgeries point at the real key', async () => {
    const gitlab = await start()
    const pem = gitlab.ciKey.publicKey.export({ type: 'spki', format: 'pem' })
    const forged = gitlab.sign({ aud: AUD }, { header: { alg: 'HS256' }, key: Buffer.from(pem) })
    expect(decodeProtectedHeader(forged)).toEqual({
      kid: gitlab.ciKey.kid,
      typ: 'JWT',
      alg: 'HS256',
    })
    // Text material works too (the same bytes give the same signature); so does the JWK's `n`.
    expect(gitlab.sign({ aud: AUD }, { header: { alg: 'HS256' }, key: pem.toString() })).toBe(
      forged,
    )
    const withN = gitlab.sign(
      { aud: AUD },
      { header: { alg: 'HS256' }, key: gitlab.ciKey.publicJwk.n },
    )
    expect(withN.split('.')[2]).not.toBe(forged.split('.')[2])
  })
})

describe('counters and nextRequest', () => {
  it('counts every hit live and resets on demand', async () => {
    const gitlab = await start()
    const counters = gitlab.requests
    await fetch(gitlab.discoveryUrl)
    await fetch(gitlab.jwksUri)
    await fetch(gitlab.jwksUri)
    expect(counters).toEqual({ discovery: 1, jwks: 2, redirected: 0, other: 0, total: 3 })
    gitlab.resetRequests()
    expect(gitlab.requests).toEqual({ discovery: 0, jwks: 0, redirected: 0, other: 0, total: 0 })
  })

  it('resolves nextRequest when a request arrives, before it is answered', async () => {
    const gitlab = await start()
    gitlab.setKeySetResponse('hang')
    const arrived = gitlab.nextRequest('jwks')
    const controller = new AbortController()
    const pending = fetch(gitlab.jwksUri, { signal: controller.signal }).catch(
      (error: unknown) => error,
    )
    await arrived
    expect(gitlab.requests.jwks).toBe(1)
    controller.abort()
    expect(await pending).toBeInstanceOf(Error)
  })
})

describe('close', () => {
  it('closes promptly while a request hangs, and the client sees the connection end', async () => {
    const gitlab = await createMockGitlab()
    gitlab.setKeySetResponse('hang')
    const arrived = gitlab.nextRequest('jwks')
    const pending = fetch(gitlab.jwksUri).then(
      () => 'answered',
      () => 'failed',
    )
    await arrived
    await gitlab.close()
    expect(await pending).toBe('failed')
    await expect(fetch(gitlab.jwksUri)).rejects.toThrow()
  })

  it('closes with a delayed response pending and with the redirect target started', async () => {
    const gitlab = await createMockGitlab()
    gitlab.setKeySetResponse('redirect')
    expect((await fetch(gitlab.jwksUri, { redirect: 'manual' })).status).toBe(302)
    gitlab.setKeySetResponse({ delayMs: 60_000 })
    const arrived = gitlab.nextRequest('jwks')
    const pending = fetch(gitlab.jwksUri).then(
      () => 'answered',
      () => 'failed',
    )
    await arrived
    await gitlab.close()
    expect(await pending).toBe('failed')
  })
})
