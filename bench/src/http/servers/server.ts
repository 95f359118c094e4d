/**
 * Child process: one HTTP server variant on 127.0.0.1 (port 0), in its own process so variants
 * never share a heap. Reports `{ type: 'ready', port }` to the parent; exits with it.
 */

import { Session } from 'node:inspector/promises'
import type { AddressInfo } from 'node:net'
import { errorMessage, exitWithParent, sendToParent } from '../../harness/child-ipc.js'
import { HTTP_VARIANTS } from '../variants.js'
import type { ServerConfig } from '../variants.js'
import { buildExpress } from './express.js'
import { buildFastify } from './fastify.js'
import { buildKoa } from './koa.js'
import { startServerStats } from './server-stats.js'

exitWithParent()

let session: Session | undefined

async function profiler(action: 'profile-start' | 'profile-stop'): Promise<unknown> {
  if (action === 'profile-start') {
    session = new Session()
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 250 })
    await session.post('Profiler.start')
    return null
  }
  if (!session) throw new Error('profiler not started')
  const { profile } = await session.post('Profiler.stop')
  session.disconnect()
  return profile
}

try {
  const variant = HTTP_VARIANTS.find((v) => v.id === process.argv[2])
  if (!variant) throw new Error(`unknown variant ${String(process.argv[2])}`)
  const cfg = JSON.parse(process.env.BENCH_SERVER ?? '') as ServerConfig
  const build = { express: buildExpress, fastify: buildFastify, koa: buildKoa }[variant.framework]
  const server = await build(variant, cfg)
  server.keepAliveTimeout = 60_000
  // Cold start opens 1,000 connections at once; the default backlog (511) would drop SYNs.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve)
  })
  process.on('SIGTERM', () => {
    server.closeAllConnections()
    server.close()
    process.exit(0)
  })
  // CPU time of the whole process (main thread and thread pool), event-loop delay and GC of one
  // load window: the parent resets the window before each timed run and reads it after. CPU µs
  // per request is distorted far less by outside load than req/s.
  const stats = startServerStats()
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'stats-reset') {
      stats.reset()
      void sendToParent({ type: 'stats-reset' })
    }
    if (m.type === 'stats') void sendToParent({ type: 'stats', window: stats.read() })
    // Used by tools/profile-server.ts only: profile exactly the load window.
    if (m.type === 'profile-start' || m.type === 'profile-stop') {
      profiler(m.type).then(
        (profile) => sendToParent({ type: m.type ?? '', profile }),
        (err: unknown) => sendToParent({ type: 'error', message: errorMessage(err) }),
      )
    }
  })
  await sendToParent({ type: 'ready', port: (server.address() as AddressInfo).port })
} catch (err) {
  await sendToParent({ type: 'error', message: errorMessage(err) })
  process.exit(1)
}
