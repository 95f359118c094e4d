import { describe, expect, it } from 'vitest'
import { parseGatewayConfig } from '../src/load-config.js'
import { buildRouteVerifiers, verifierOptionsFor } from '../src/verifier-options.js'

const policy = { allow: [{ match: { project_id: '1' } }] }
const document = {
  profile: 'nginx',
  maxTokenAge: 600,
  routes: [
    { name: 'a', match: { path: '/a' }, audience: 'https://x.example', policy },
    { name: 'b', match: { path: '/b' }, audience: ['https://x.example'], policy },
    { name: 'c', match: { path: '/c' }, audience: 'https://y.example', policy, replay: 'once' },
  ],
}

describe('route verifiers', () => {
  it('shares one verifier between routes with the same checks', async () => {
    const config = await parseGatewayConfig(document)
    const verifiers = buildRouteVerifiers(config, {})
    expect(verifiers.get('a')).toBe(verifiers.get('b'))
    expect(verifiers.get('c')).not.toBe(verifiers.get('a'))
  })

  it('passes the route settings, the shared cache and the replay store only to replay routes', async () => {
    const config = await parseGatewayConfig(document)
    const store = { remember: () => true }
    const keySetCache = {
      get: async () => undefined,
      set: async () => {},
      lock: async () => true,
      unlock: async () => {},
    }
    const a = verifierOptionsFor(config, config.routes[0]!, { replayStore: store, keySetCache })
    expect(a).toMatchObject({
      audience: ['https://x.example'],
      issuer: 'https://gitlab.com',
      maxTokenAge: 600,
      jwks: { shared: keySetCache },
    })
    expect(a.replay).toBeUndefined()
    expect(verifierOptionsFor(config, config.routes[2]!, { replayStore: store }).replay).toEqual({
      store,
    })
  })
})
