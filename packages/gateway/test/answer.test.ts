import { once } from 'node:events'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GitlabIdTokenError } from '@gitlab-id-token/core'
import { describe, expect, it } from 'vitest'
import { sendAllow, sendRefusal } from '../src/answer.js'

function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => (headers[name] = value))
  return headers
}

async function answer(write: (res: ServerResponse) => void) {
  const server = createServer((_req, res) => write(res))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
  server.close()
  return {
    status: response.status,
    headers: headersOf(response),
    body: await response.text(),
  }
}

describe('answers', () => {
  it('allow is exactly 200, empty, no-store, with the given headers', async () => {
    const result = await answer((res) => sendAllow(res, [['X-Gitlab-Project-Id', '42']]))
    expect(result).toMatchObject({
      status: 200,
      body: '',
      headers: { 'cache-control': 'no-store', 'content-length': '0', 'x-gitlab-project-id': '42' },
    })
  })

  it('a refusal carries status, challenge, Retry-After on 503 and the JSON body', async () => {
    const down = await answer((res) =>
      sendRefusal(
        res,
        new GitlabIdTokenError('ERR_JWKS_UNAVAILABLE', 'x', { retryAfter: 7 }),
        'req-1',
      ),
    )
    expect(down.status).toBe(503)
    expect(down.headers).toMatchObject({
      'retry-after': '7',
      'cache-control': 'no-store',
      'content-type': 'application/json',
      'www-authenticate': 'Bearer realm="gitlab-id-token"',
    })
    expect(JSON.parse(down.body)).toMatchObject({
      code: 'ERR_JWKS_UNAVAILABLE',
      request_id: 'req-1',
    })
    const denied = await answer((res) =>
      sendRefusal(res, new GitlabIdTokenError('ERR_POLICY_DENIED')),
    )
    expect(denied.status).toBe(403)
    expect(denied.headers['www-authenticate']).toContain('error="insufficient_scope"')
    expect(Object.keys(denied.headers).some((h) => h.startsWith('x-gitlab-'))).toBe(false)
  })
})
