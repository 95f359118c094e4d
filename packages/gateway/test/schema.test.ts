import { describe, expect, it } from 'vitest'
import { gatewaySchema, validateGatewayDocument } from '../src/schema.js'

const base = {
  profile: 'nginx',
  routes: [{ name: 'r', match: { path: '/' }, audience: 'https://a.example', policy: './p.yaml' }],
}
const problem = (document: unknown): string => {
  try {
    validateGatewayDocument(document, 'gateway.yaml')
  } catch (error) {
    expect((error as { code: string }).code).toBe('ERR_INVALID_CONFIG')
    return (error as Error).message
  }
  return 'valid'
}

describe('validateGatewayDocument', () => {
  it('accepts the minimal document', () => {
    expect(problem(base)).toBe('valid')
  })

  it.each([
    [
      { ...base, profile: 'apache' },
      'gateway.yaml: profile is "apache": use one of "nginx", "caddy", "haproxy", "traefik", "envoy"',
    ],
    [{ routes: base.routes }, 'gateway.yaml: profile is required'],
    [
      { ...base, listen: { port: 70000 } },
      'gateway.yaml: listen.port is 70000: it must be at most 65535',
    ],
    [
      { ...base, lissen: {} },
      'gateway.yaml: lissen is not a known key: remove it, or use one of listen, admin',
    ],
    [
      { ...base, routes: [{ ...base.routes[0], match: { path: 'deploy' } }] },
      'gateway.yaml: routes[0].match.path is "deploy": it must match ^/',
    ],
    [
      { ...base, routes: [{ ...base.routes[0], audience: 42 }] },
      'gateway.yaml: routes[0].audience is number 42: write',
    ],
    [
      { ...base, assertion: { keyFile: 'k.pem', ttl: 120 } },
      'gateway.yaml: assertion.ttl is 120: it must be at most 60',
    ],
    [{ ...base, workers: 'many' }, 'gateway.yaml: workers is "many": write'],
    [
      { ...base, identityHeaders: { 'X Bad': 'project_id' } },
      'gateway.yaml: identityHeaders.X Bad (the key) is "X Bad": it must match',
    ],
    [
      { ...base, replay: { store: 'etcd' } },
      'gateway.yaml: replay.store is "etcd": use one of "memory", "redis"',
    ],
    [[], 'gateway.yaml: the document is a list: it must be an object'],
  ])('names the key and what to change (%#)', (document, message) => {
    expect(problem(document)).toContain(message)
  })

  it('is the shipped gateway.schema.json', () => {
    expect((gatewaySchema() as { title?: string }).title).toBe(
      'gitlab-id-token gateway configuration',
    )
  })
})
