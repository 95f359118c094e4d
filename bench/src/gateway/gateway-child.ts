/**
 * The measured process of the gateway benchmark: the gateway (profile nginx) and a bare
 * `node:http` server answering the same 200 (same headers, empty body), so both pay the same
 * per-process costs. It reports its own CPU time over IPC, which is what "CPU µs per check" divides.
 */

import { createServer } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { parseGatewayConfig, startGateway } from '@gitlab-id-token/gateway'

const document = JSON.parse(process.argv[2] ?? '{}') as object
const config = await parseGatewayConfig(document)
const gateway = await startGateway(config)

// What an allow sends, copied from a real answer so the bare server's bytes match.
const ALLOW_HEADERS = JSON.parse(process.argv[3] ?? '{}') as Record<string, string>
const bare = createServer((_req, res) => {
  res.writeHead(200, ALLOW_HEADERS).end()
})
bare.listen(0, '127.0.0.1')
await once(bare, 'listening')
const upstream = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
})
upstream.listen(0, '127.0.0.1')
await once(upstream, 'listening')

process.on('message', (message: string) => {
  if (message === 'cpu') {
    const usage = process.cpuUsage()
    process.send?.({ cpu: usage.user + usage.system })
  } else if (message === 'stop') {
    void gateway.close().then(() => process.exit(0))
  }
})
process.send?.({
  checkPort: Number(new URL(gateway.checkUrl).port),
  barePort: (bare.address() as AddressInfo).port,
  upstreamPort: (upstream.address() as AddressInfo).port,
})
