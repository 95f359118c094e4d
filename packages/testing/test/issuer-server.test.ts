import { request } from 'node:http'

import { afterEach, describe, expect, it } from 'vitest'

import { startIssuerServer } from '../src/issuer-server.js'
import type { IssuerServer, ServedContent } from '../src/issuer-server.js'

const servers: IssuerServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function start(overrides: Partial<ServedContent> = {}): Promise<IssuerServer> {
  const server = await startIssuerServer({
    basePath: () => '',
    keySet: () => ({ keys: [{ kid: 'k' }] }),
    discoveryDocument: () => ({ issuer: 'i', jwks_uri: 'j' }),
    ready: Promise.resolve(),
    ...overrides,
  })
  servers.push(server)
  return server
}

/** A raw request, so paths like `//x` reach the server unchanged. */
function raw(
  origin: string,
  path: string,
  method = 'GET',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(origin)
    request({ host: url.hostname, port: url.port, path, method }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
      .on('error', reject)
      .end()
  })
}

describe('startIssuerServer', () => {
  it('routes the two GitLab paths, ignores query strings and merges slashes', async () => {
    const server = await start()
    expect(await raw(server.origin, '/oauth/discovery/keys?x=1')).toEqual({
      status: 200,
      body: '{"keys":[{"kid":"k"}]}',
    })
    expect((await raw(server.origin, '//.well-known//openid-configuration')).status).toBe(200)
    expect(server.requests).toMatchObject({ jwks: 1, discovery: 1, total: 2 })
  })

  it('answers HEAD without a body and other methods with 404', async () => {
    const server = await start()
    expect(await raw(server.origin, '/oauth/discovery/keys', 'HEAD')).toEqual({
      status: 200,
      body: '',
    })
    expect((await raw(server.origin, '/oauth/discovery/keys', 'DELETE')).status).toBe(404)
    expect(server.requests).toMatchObject({ jwks: 1, other: 1 })
  })

  it('reads the base path and content on every request', async () => {
    let base = ''
    let kid = 'a'
    const server = await start({ basePath: () => base, keySet: () => ({ keys: [{ kid }] }) })
    expect((await raw(server.origin, '/oauth/discovery/keys')).body).toContain('"a"')
    base = '/gitlab'
    kid = 'b'
    expect((await raw(server.origin, '/oauth/discovery/keys')).status).toBe(404)
    expect((await raw(server.origin, '/gitlab/oauth/discovery/keys')).body).toContain('"b"')
  })

  it('waits for content.ready before answering and counting', async () => {
    let release = (): void => {}
    const ready = new Promise<void>((resolve) => (release = resolve))
    const server = await start({ ready })
    const pending = raw(server.origin, '/oauth/discovery/keys')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(server.requests.jwks).toBe(0)
    release()
    expect((await pending).status).toBe(200)
    expect(server.requests.jwks).toBe(1)
  })

  it('resolves every waiter of an endpoint on its next hit', async () => {
    const server = await start()
    const both = Promise.all([server.nextRequest('discovery'), server.nextRequest('discovery')])
    await raw(server.origin, '/.well-known/openid-configuration')
    await expect(both).resolves.toHaveLength(2)
  })
})
