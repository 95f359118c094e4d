/**
 * The local half of examples/gateway/README.md: a mock GitLab issuer and an echo app on
 * 127.0.0.1:3000, plus a gateway.local.yaml that trusts the mock and a token for the shipped
 * deploy route. Run it with `pnpm exec tsx examples/gateway/src/mock-stack.ts`.
 */

import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createMockGitlab } from '@gitlab-id-token/testing'

const here = (name: string): string => fileURLToPath(new URL(`../${name}`, import.meta.url))

/** Starts the mock issuer and the app; returns what the README's next commands need. */
export async function startMockStack(options: { appPort?: number } = {}) {
  const gitlab = await createMockGitlab()
  const config = readFileSync(here('gateway.yaml'), 'utf8').replace(
    'issuer: https://gitlab.example.com',
    `issuer: ${gitlab.issuer} # the mock GitLab of mock-stack.ts`,
  )
  writeFileSync(here('gateway.local.yaml'), config)
  const token = gitlab.mint({
    aud: 'https://deploy.acme.example',
    project_id: '4242',
    project_path: 'acme/widget',
    ref_protected: 'true',
  })
  writeFileSync(here('.token'), `${token}\n`, { mode: 0o600 })
  // The app: shows which identity the gateway vouched for, and that the token never arrived.
  const app = createServer((req, res) => {
    const identity = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => name.startsWith('x-gitlab-')),
    )
    res.setHeader('content-type', 'application/json')
    res.end(
      `${JSON.stringify({ method: req.method, url: req.url, identity, authorization: req.headers.authorization ?? null }, null, 2)}\n`,
    )
  })
  app.listen(options.appPort ?? 3000, '127.0.0.1')
  return {
    issuer: gitlab.issuer,
    async close() {
      app.close()
      await gitlab.close()
    },
  }
}

if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(resolve(process.argv[1])).href
) {
  const stack = await startMockStack()
  process.stdout.write(
    `mock GitLab ${stack.issuer}; app http://127.0.0.1:3000\nwrote examples/gateway/gateway.local.yaml and examples/gateway/.token\n`,
  )
}
