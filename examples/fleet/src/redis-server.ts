/**
 * A local redis-server for the demo (Debian's `redis-server`): a free loopback port, no
 * persistence, a temporary directory. Use REDIS_URL to point the demo at your own instead.
 */

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from 'redis'

export async function startRedis(): Promise<{ url: string; close(): Promise<void> }> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number }
      probe.close(() => resolve(free))
    })
  })
  const dir = mkdtempSync(join(tmpdir(), 'gitlab-id-token-fleet-'))
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: dir, stdio: 'ignore' },
  )
  const spawned = new Promise<void>((_resolve, reject) =>
    child.once('error', () =>
      reject(new Error('redis-server not found: apt-get install redis-server')),
    ),
  )
  const url = `redis://127.0.0.1:${port}`
  const ready = (async () => {
    for (let attempt = 0; ; attempt += 1) {
      const client = createClient({ url, socket: { reconnectStrategy: false } })
      client.on('error', () => {})
      try {
        await client.connect()
        client.destroy()
        return
      } catch (error) {
        client.destroy()
        if (attempt > 100) throw error
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  })()
  await Promise.race([ready, spawned])
  return {
    url,
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
