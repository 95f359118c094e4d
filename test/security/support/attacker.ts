/**
 * An attacker-controlled HTTP server on loopback. Tokens point `jku`, `x5u` and redirects at it;
 * the tests then assert that it received nothing. It answers every request with a key set holding
 * the attacker's key, so a verifier that did fetch from it would accept the forgery.
 */

import { createServer } from 'node:http'
import { listen } from '../../contract/http.js'

export interface AttackerServer {
  readonly url: string
  /** Requests received so far. */
  readonly requests: number
  /** The paths requested, in order. */
  readonly paths: readonly string[]
  close(): Promise<void>
}

export async function startAttackerServer(body: object = { keys: [] }): Promise<AttackerServer> {
  const paths: string[] = []
  const server = createServer((req, res) => {
    paths.push(req.url ?? '')
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  const { url, close } = await listen(server)
  return {
    url,
    get requests() {
      return paths.length
    },
    paths,
    close,
  }
}
