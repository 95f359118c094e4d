/**
 * `workers: N | auto`: N processes sharing the check port through `node:cluster`, so one box uses
 * all its cores. The primary supervises: it forwards `SIGHUP` (each worker reloads itself, so a
 * bad file is refused by each the same way), restarts a worker that dies, stops them on
 * `SIGTERM`/`SIGINT`, and serves the admin port for the whole fleet (fleet-admin.ts), so
 * `/readyz` and `/metrics` never describe just the worker that took the connection.
 *
 * @module
 */

import cluster from 'node:cluster'
import type { Server } from 'node:http'
import { serveFleetAdmin } from './fleet-admin.js'

/**
 * Runs `work` in `workers` processes (or in this one when `workers` is 1). Returns in the primary
 * once the workers are forked and the fleet admin port (when `admin` is given) listens; in a
 * worker, after `work` resolves. A worker is told it is one by `cluster.isWorker`.
 *
 * @example
 * ```ts
 * await runWorkers(config.workers, () => startGateway(config, { handleSignals: true }), config.admin)
 * ```
 */
export async function runWorkers(
  workers: number,
  work: () => Promise<unknown>,
  admin?: { readonly host: string; readonly port: number },
): Promise<void> {
  if (workers <= 1 || cluster.isWorker) {
    await work()
    return
  }
  let stopping = false
  const fork = (): void => {
    cluster.fork().on('exit', (code, signal) => {
      // A worker that crashes is replaced; one that exits during shutdown is not.
      if (!stopping && (code !== 0 || signal !== null)) setTimeout(fork, 500).unref()
    })
  }
  for (let i = 0; i < workers; i += 1) fork()
  let adminServer: Server | undefined
  if (admin !== undefined)
    adminServer = await serveFleetAdmin(admin, workers, () => Object.values(cluster.workers ?? {}))
  process.on('SIGHUP', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP')
  })
  const stop = (): void => {
    stopping = true
    adminServer?.close()
    adminServer?.closeAllConnections()
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
