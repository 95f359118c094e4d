/**
 * Parent side of one server child: start it and wait for its port, and reset or read its
 * measurement window (see servers/server-stats.ts).
 */

import { startChild } from '../harness/children.js'
import type { ChildHandle } from '../harness/children.js'
import type { ServerWindow } from './servers/server-stats.js'
import { PATH } from './variants.js'
import type { HttpVariant, ServerConfig } from './variants.js'

/** A started server child and the URL it answers on. */
export interface ServerHandle {
  readonly child: ChildHandle
  /** `http://127.0.0.1:PORT/hello` */
  readonly url: string
}

/**
 * Starts one server child (its own `node` process) and waits for its port.
 *
 * @example
 * ```ts
 * const { child, url } = await startServer(variant, cfg)
 * ```
 */
export async function startServer(variant: HttpVariant, cfg: ServerConfig): Promise<ServerHandle> {
  const child = startChild('http/servers/server.ts', {
    name: variant.id,
    args: [variant.id],
    env: { BENCH_SERVER: JSON.stringify(cfg) },
  })
  const { port } = await child.waitFor<{ type: 'ready'; port: number }>('ready', 30_000)
  return { child, url: `http://127.0.0.1:${port}${PATH}` }
}

/**
 * Resets the server's window (before a timed load) or reads it (right after).
 *
 * @example
 * ```ts
 * await serverWindow(child, 'reset')
 * const { cpuMicros } = await serverWindow(child, 'read')
 * ```
 */
export async function serverWindow(child: ChildHandle, action: 'reset'): Promise<undefined>
export async function serverWindow(child: ChildHandle, action: 'read'): Promise<ServerWindow>
export async function serverWindow(
  child: ChildHandle,
  action: 'reset' | 'read',
): Promise<ServerWindow | undefined> {
  const type = action === 'reset' ? 'stats-reset' : 'stats'
  child.send({ type })
  const m = await child.waitFor<{ type: string; window?: ServerWindow }>(type, 10_000)
  return m.window
}
