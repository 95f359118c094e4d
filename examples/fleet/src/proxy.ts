/**
 * A tiny round-robin HTTP proxy (node:http), standing in for the load balancer in front of a
 * fleet. It tags each answer with `x-served-by` so the demo can show which instance answered.
 */

import { createServer, request } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export async function startProxy(
  upstreams: readonly { readonly name: string; readonly url: string }[],
  port = 0,
): Promise<{ url: string; server: Server }> {
  let next = 0
  const server = createServer((req, res) => {
    const upstream = upstreams[next % upstreams.length]!
    next += 1
    const target = new URL(upstream.url)
    const forward = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-served-by': upstream.name })
        answer.pipe(res)
      },
    )
    forward.once('error', () => {
      res.writeHead(502).end()
    })
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}
