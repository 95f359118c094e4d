/**
 * Starts and drives fleet members (verifier-child.ts) from a test.
 */

import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildConfig, ChildReply } from './verifier-child.js'

const CHILD = fileURLToPath(new URL('./verifier-child.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

let bundled: Promise<string> | undefined
let bundleDir: string | undefined

/** Removes the bundled child; call from `afterAll` (vitest may end a worker without 'exit'). */
export function removeChildBundle(): void {
  if (bundleDir !== undefined) rmSync(bundleDir, { recursive: true, force: true })
  bundleDir = undefined
  bundled = undefined
}

/**
 * The child as one bundled ES module. `node --import tsx` costs ~2.5 s of start-up per process
 * (every module resolved and transpiled through loader hooks); eight cold members at once on a
 * 2-CPU runner took 19 s. One esbuild bundle (the esbuild tsx itself runs on) starts in ~0.4 s.
 */
function bundleChild(): Promise<string> {
  bundled ??= (async () => {
    const fromTsx = createRequire(createRequire(import.meta.url).resolve('tsx'))
    // Not a dependency of ours: reached through tsx, which depends on it.
    const esbuild = fromTsx('esbuild') as { build(options: object): Promise<unknown> }
    bundleDir = mkdtempSync(join(tmpdir(), 'gitlab-id-token-fleet-'))
    const outfile = join(bundleDir, 'child.mjs')
    await esbuild.build({
      entryPoints: [CHILD],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      tsconfig: join(ROOT, 'tsconfig.json'),
      // node-redis is CommonJS and calls require() for built-ins.
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
      logLevel: 'warning',
    })
    return outfile
  })()
  return bundled
}

export type VerifyOutcome =
  { readonly ok: true } | { readonly ok: false; readonly code: string; readonly status: number }

export interface FleetMember {
  readonly pid: number
  verify(token: string): Promise<VerifyOutcome>
  stats(): Promise<Extract<ChildReply, { stats: unknown }>['stats']>
  close(): Promise<void>
}

/** Forks one member; resolves once its verifier exists and Redis is connected. */
export async function startMember(config: ChildConfig): Promise<FleetMember> {
  const child: ChildProcess = fork(await bundleChild(), [], {
    cwd: ROOT,
    execArgv: [],
    env: { ...process.env, FLEET_CHILD: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const pending = new Map<number, (reply: ChildReply) => void>()
  let next = 0
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`fleet member exited (${code})`))
    child.once('exit', onExit)
    child.on('message', (reply: ChildReply) => {
      if ('type' in reply) {
        child.off('exit', onExit)
        resolve()
        return
      }
      pending.get(reply.id)?.(reply)
      pending.delete(reply.id)
    })
  })
  const request = (
    message: { type: 'verify'; token: string } | { type: 'stats' },
  ): Promise<ChildReply> =>
    new Promise((resolve) => {
      const id = (next += 1)
      pending.set(id, resolve)
      child.send({ ...message, id })
    })
  return {
    pid: child.pid!,
    verify: async (token) => {
      const reply = await request({ type: 'verify', token })
      if (!('ok' in reply)) throw new Error('unexpected reply')
      return reply.ok ? { ok: true } : { ok: false, code: reply.code, status: reply.status }
    },
    stats: async () => {
      const reply = await request({ type: 'stats' })
      if (!('stats' in reply)) throw new Error('unexpected reply')
      return reply.stats
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.disconnect()
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000)
      await exited
      clearTimeout(timer)
    },
  }
}
