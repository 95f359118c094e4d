/**
 * Fleet demo: 3 instances of the Express deploy service behind one round-robin port, sharing one
 * Redis for replay protection and for GitLab's key set. No Docker: a local redis-server and a
 * mock GitLab (with 50 ms of latency, like a real one across a network).
 *
 *   node --import tsx examples/fleet/src/main.ts        # from the repository root
 *
 * REDIS_URL uses your Redis instead of starting one; KEEP_RUNNING=1 leaves the fleet up.
 */

import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { createMockGitlab } from '@gitlab-id-token/testing'
import { startProxy } from './proxy.js'
import { startRedis } from './redis-server.js'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))
const ciYaml = readFileSync(here('../../gitlab-ci.yml'), 'utf8')
const WIDGET = { project_path: 'acme/widget', project_id: '4242', ref: 'main' }

const redis = process.env.REDIS_URL === undefined ? await startRedis() : undefined
const redisUrl = process.env.REDIS_URL ?? redis!.url
const gitlab = await createMockGitlab()
gitlab.setDiscoveryResponse({ delayMs: 50 })
gitlab.setKeySetResponse({ delayMs: 50 })
const secret = randomBytes(48).toString('base64')

const instances: ChildProcess[] = []
const upstreams = await Promise.all(
  ['deploy-1', 'deploy-2', 'deploy-3'].map(
    (name) =>
      new Promise<{ name: string; url: string }>((resolve, reject) => {
        const child = fork(here('./instance.ts'), [], {
          execArgv: ['--import', 'tsx'],
          env: {
            ...process.env,
            INSTANCE: name,
            GITLAB_ID_TOKEN_ISSUER: gitlab.issuer,
            REDIS_URL: redisUrl,
            JWKS_FLEET_SECRET: secret,
          },
        })
        instances.push(child)
        child.once('message', (message: { url: string }) => resolve({ name, url: message.url }))
        child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)))
      }),
  ),
)
const proxy = await startProxy(upstreams, Number(process.env.PORT ?? 0))
console.log(`fleet: ${upstreams.map((u) => `${u.name} ${u.url}`).join(', ')}; proxy ${proxy.url}`)

const deploy = async (token: string): Promise<void> => {
  const res = await fetch(`${proxy.url}/deploy/production`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  })
  const retry = res.headers.get('retry-after')
  console.log(
    `POST /deploy/production → ${res.status} from ${res.headers.get('x-served-by')}` +
      `${retry === null ? '' : ` (Retry-After: ${retry})`}: ${await res.text()}`,
  )
}
const mint = (): string => gitlab.mintForJob(ciYaml, 'deploy-production', WIDGET).DEPLOY_TOKEN!

// Cold fleet: one deploy per instance at the same moment; one of them fetches GitLab's keys.
console.log('\n# three jobs deploy at once, one per instance (cold key caches)')
await Promise.all([mint(), mint(), mint()].map(deploy))
console.log(`GitLab saw: discovery ${gitlab.requests.discovery}, key set ${gitlab.requests.jwks}`)

console.log('\n# one job token sent twice: the second request lands on another instance')
const token = mint()
await deploy(token)
await deploy(token)
console.log(`GitLab saw: discovery ${gitlab.requests.discovery}, key set ${gitlab.requests.jwks}`)

const shutdown = async (): Promise<void> => {
  for (const child of instances) child.disconnect()
  await Promise.all(instances.map((child) => new Promise((resolve) => child.once('exit', resolve))))
  proxy.server.close()
  await gitlab.close()
  await redis?.close()
}
if (process.env.KEEP_RUNNING === '1') {
  console.log(`\nfleet up on ${proxy.url}; Ctrl-C stops it`)
  process.once('SIGINT', () => void shutdown())
} else {
  await shutdown()
}
