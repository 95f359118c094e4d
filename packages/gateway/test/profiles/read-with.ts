import { once } from 'node:events'
import { createServer, request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Profile } from '../../src/profiles/profile.js'

/** Sends one real request and returns what `profile.read` made of it (or the error code). */
export async function readWith(
  profile: Profile,
  options: { method?: string; path: string; headers: Record<string, string | string[]> },
): Promise<unknown> {
  let outcome: unknown
  const server = createServer((req: IncomingMessage, res) => {
    try {
      outcome = profile.read(req) ?? 'not a check'
    } catch (error) {
      outcome = { code: (error as { code?: string }).code, message: (error as Error).message }
    }
    res.end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        setHost: options.headers.host === undefined,
      },
      (res) => {
        res.resume()
        res.on('end', resolve)
      },
    )
    req.on('error', reject)
    req.end()
  })
  server.close()
  return outcome
}
