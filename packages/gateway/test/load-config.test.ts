import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadGatewayConfig, parseGatewayConfig } from '../src/load-config.js'

const dir = mkdtempSync(join(tmpdir(), 'gitlab-gw-load-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const write = (name: string, text: string): string => {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}
write(
  'deploy.yaml',
  "allow:\n  - name: deploy\n    match: { project_id: '42' }\n    grants: [deploy]\n",
)
const route = (extra = '') => `
  - name: deploy
    match: { host: Deploy.Acme.Example, path: /deploy, methods: [post] }
    audience: https://deploy.acme.example
    policy: ./deploy.yaml
    requireGrants: [deploy]
${extra}`
const message = async (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'loaded',
    (error: Error & { code?: string }) => `${error.code}: ${error.message}`,
  )

describe('loadGatewayConfig', () => {
  it('loads YAML with defaults, a policy file and the default identity headers', async () => {
    const config = await loadGatewayConfig(
      write('gateway.yaml', `profile: nginx\nroutes:${route()}`),
    )
    expect(config).toMatchObject({
      source: join(dir, 'gateway.yaml'),
      listen: { host: '127.0.0.1', port: 8080 },
      admin: { host: '127.0.0.1', port: 9090 },
      issuer: 'https://gitlab.com',
      profile: 'nginx',
      workers: 1,
      replay: { store: 'memory' },
      logLevel: 'info',
    })
    expect(config.routes[0]).toMatchObject({
      name: 'deploy',
      host: 'deploy.acme.example',
      path: '/deploy',
      policySource: join(dir, 'deploy.yaml'),
      requireGrants: ['deploy'],
    })
    expect(config.identityHeaders.map((h) => h.name)).toEqual([
      'X-Gitlab-Project-Id',
      'X-Gitlab-Project-Path',
      'X-Gitlab-Ref',
      'X-Gitlab-Pipeline-Id',
      'X-Gitlab-Job-Id',
      'X-Gitlab-Grants',
      'X-Gitlab-Route',
    ])
  })

  it('loads JSON, workers: auto and an Ed25519 assertion key', async () => {
    const key = write(
      'a.pem',
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    )
    const config = await loadGatewayConfig(
      write(
        'gateway.json',
        JSON.stringify({
          profile: 'envoy',
          workers: 'auto',
          assertion: { keyFile: 'a.pem' },
          routes: [
            {
              name: 'r',
              match: { path: '/' },
              audience: 'https://a.example',
              policy: { allow: [{ match: { project_id: '1' } }] },
            },
          ],
        }),
      ),
    )
    expect(config.workers).toBe(availableParallelism())
    expect(config.assertion).toMatchObject({
      header: 'X-Gitlab-Assertion',
      keyFile: key,
      ttl: 30,
      issuer: 'gitlab-id-token-gateway',
    })
    expect(config.assertion?.privateKey.asymmetricKeyType).toBe('ed25519')
  })

  it.each([
    ['profile: nginx\nroutes: [', /bad\.yaml: not valid YAML/],
    [
      'profile: nginx\nroutes:\n  - name: x\n    match: { path: / }\n    audience: https://a.example\n    policy: ./missing.yaml\n',
      /routes\[0\]\.policy: cannot read .*missing\.yaml: check the path/,
    ],
    [
      `profile: nginx\nroutes:${route()}${route().replace('name: deploy', 'name: later').replace('/deploy,', '/deploy/x,')}`,
      /routes\[1\] \(later\) is shadowed by routes\[0\] \(deploy\)/,
    ],
    [
      'profile: nginx\nroutes:\n  - name: x\n    match: { path: / }\n    audience: https://a.example\n    policy: { allow: [{ match: { ref: main } }] }\n',
      /ERR_INVALID_CONFIG: .*routes\[0\] \(x\): /,
    ],
    [
      `profile: nginx\nidentityHeaders: { X-Gitlab-Env: environment }\nroutes:${route()}`,
      /identityHeaders\.X-Gitlab-Env: claim environment can be absent or empty.*default/,
    ],
    [
      `profile: nginx\nassertion: { keyFile: ./nope.pem }\nroutes:${route()}`,
      /assertion\.keyFile: cannot read/,
    ],
    [
      `profile: nginx\nlisten: { port: 9000 }\nadmin: { port: 9000 }\nroutes:${route()}`,
      /the admin port must never be the check port/,
    ],
    [
      `profile: nginx\nworkers: 4\nroutes:${route('    replay: once')}`,
      /has replay: once, but with workers: 4 the memory store/,
    ],
  ])('refuses with a message naming the key (%#)', async (text, expected) => {
    const result = await message(loadGatewayConfig(write('bad.yaml', text)))
    expect(result).toMatch(/^ERR_INVALID_CONFIG: /)
    expect(result).toMatch(expected)
  })

  it('takes jwks.shared apart from the core key-set settings', async () => {
    const config = await loadGatewayConfig(
      write(
        'shared.yaml',
        `profile: nginx\njwks: { cooldown: 1, shared: { store: redis, url: 'redis://127.0.0.1:6379', secretEnv: FLEET_SECRET } }\nroutes:${route()}`,
      ),
    )
    expect(config.jwks).toEqual({ cooldown: 1 })
    expect(config.keySetCache).toEqual({
      store: 'redis',
      url: 'redis://127.0.0.1:6379',
      secretEnv: 'FLEET_SECRET',
    })
  })

  it('refuses an assertion key that is not Ed25519', async () => {
    write(
      'rsa.pem',
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }) as string,
    )
    expect(
      await message(
        parseGatewayConfig(
          {
            profile: 'nginx',
            assertion: { keyFile: 'rsa.pem' },
            routes: [
              {
                name: 'r',
                match: { path: '/' },
                audience: 'https://a.example',
                policy: { allow: [{ match: { project_id: '1' } }] },
              },
            ],
          },
          { baseDir: dir },
        ),
      ),
    ).toMatch(/must be an Ed25519 key \(EdDSA\), not rsa/)
  })
})
