/**
 * A minimal Express service for the fault suite: the stores go in as plain verifier options, the
 * adapter's error handler answers refusals (status, headers, JSON body).
 */

import type { AddressInfo } from 'node:net'
import express from 'express'
import { createVerifier } from '@gitlab-id-token/core'
import type { ReplayStore } from '@gitlab-id-token/core'
import { gitlabIdTokenErrorHandler, verifyGitlabIdToken } from '@gitlab-id-token/express'

export interface TestService {
  readonly url: string
  call(token: string): Promise<{ status: number; headers: Headers; body: unknown }>
  close(): Promise<void>
}

export async function startService(options: {
  readonly issuer: string
  readonly audience: string
  readonly projectPath: string
  readonly store: ReplayStore
}): Promise<TestService> {
  const verifier = createVerifier({
    issuer: options.issuer,
    audience: options.audience,
    policy: { allow: [{ name: 'fleet', match: { project_path: options.projectPath } }] },
    replay: { store: options.store },
  })
  const app = express()
  app.use(verifyGitlabIdToken({ verifier }))
  app.post('/deploy', (_req, res) => {
    res.status(202).json({ status: 'queued' })
  })
  app.use(gitlabIdTokenErrorHandler())
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve, reject) =>
    server.once('listening', resolve).once('error', reject),
  )
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    call: async (token) => {
      const response = await fetch(`${url}/deploy`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      })
      return { status: response.status, headers: response.headers, body: await response.json() }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
