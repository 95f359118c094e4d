/**
 * Replay-store overhead per verification: the same fresh tokens verified with no replay check,
 * with the core's memory store, and with the Redis store on loopback. Sequential latency shows
 * the per-call cost; a concurrent pass shows throughput. Also measures Redis memory per jti key.
 */

import { createVerifier, createMemoryReplayStore } from '@gitlab-id-token/core'
import type { ReplayStore } from '@gitlab-id-token/core'
import { createRedisReplayStore } from '@gitlab-id-token/redis'
import { createMockGitlab } from '@gitlab-id-token/testing'
import { createClient } from 'redis'
import type { RedisClientType } from 'redis'
import { startBenchRedis } from './redis-process.js'

export interface RedisReplayBenchOptions {
  /** Distinct tokens per variant. Default 2000. */
  readonly tokens?: number
  /** Verifications in flight in the concurrent pass. Default 32. */
  readonly concurrency?: number
  /** Progress lines (stderr in `pnpm bench`). Default: none. */
  readonly log?: (line: string) => void
}

export interface RedisReplayBenchRow {
  readonly variant: 'no replay check' | 'memory store' | 'redis store (loopback)'
  readonly verifications: number
  /** Sequential pass, microseconds per verification. */
  readonly meanUs: number
  readonly p50Us: number
  readonly p99Us: number
  /** Concurrent pass. */
  readonly perSecond: number
}

export interface RedisReplayBenchResult {
  readonly rows: readonly RedisReplayBenchRow[]
  /** Mean sequential cost the store adds over no replay check, in microseconds. */
  readonly overheadUs: { readonly memory: number; readonly redis: number }
  /** Redis `used_memory` growth per stored jti key, in bytes. */
  readonly redisBytesPerKey: number
}

const AUDIENCE = 'https://bench.example.com'

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0
}

async function usedMemory(client: RedisClientType): Promise<number> {
  const info = await client.info('memory')
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0)
}

/**
 * Runs the three variants and returns the table; starts and stops its own redis-server and mock
 * GitLab.
 *
 * @example
 * ```ts
 * const result = await runRedisReplayBench({ log: (line) => console.error(line) })
 * console.log(renderRedisReplayMarkdown(result))
 * ```
 */
export async function runRedisReplayBench(
  options: RedisReplayBenchOptions = {},
): Promise<RedisReplayBenchResult> {
  const count = options.tokens ?? 2_000
  const concurrency = options.concurrency ?? 32
  const log = options.log ?? (() => {})
  const redis = await startBenchRedis()
  const gitlab = await createMockGitlab({ audience: AUDIENCE })
  const client: RedisClientType = createClient({ url: redis.url, disableOfflineQueue: true })
  client.on('error', () => {})
  await client.connect()
  try {
    log(`redis bench: minting ${count * 2} tokens`)
    const sequential = Array.from({ length: count }, () =>
      gitlab.mint({ project_path: 'acme/widget' }),
    )
    const concurrent = Array.from({ length: count }, () =>
      gitlab.mint({ project_path: 'acme/widget' }),
    )
    const variants: [RedisReplayBenchRow['variant'], (run: number) => ReplayStore | undefined][] = [
      ['no replay check', () => undefined],
      ['memory store', () => createMemoryReplayStore()],
      [
        'redis store (loopback)',
        (run) => createRedisReplayStore({ client, prefix: `bench${run}`, timeout: 1 }),
      ],
    ]
    const rows: RedisReplayBenchRow[] = []
    let run = 0
    for (const [variant, makeStore] of variants) {
      run += 1
      const store = makeStore(run)
      const verifier = createVerifier({
        issuer: gitlab.issuer,
        audience: AUDIENCE,
        policy: { allow: [{ match: { project_path: 'acme/widget' } }] },
        ...(store === undefined ? {} : { replay: { store, timeout: 5 } }),
      })
      await verifier.verify(gitlab.mint({ project_path: 'acme/widget' })) // warm the key set
      log(`redis bench: ${variant}`)
      const times: number[] = []
      for (const token of sequential) {
        const started = process.hrtime.bigint()
        await verifier.verify(token)
        times.push(Number(process.hrtime.bigint() - started) / 1_000)
      }
      let cursor = 0
      const started = process.hrtime.bigint()
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (cursor < concurrent.length) {
            const token = concurrent[cursor]!
            cursor += 1
            await verifier.verify(token)
          }
        }),
      )
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const sorted = [...times].sort((a, b) => a - b)
      rows.push({
        variant,
        verifications: count,
        meanUs: Math.round(times.reduce((a, b) => a + b, 0) / times.length),
        p50Us: Math.round(percentile(sorted, 50)),
        p99Us: Math.round(percentile(sorted, 99)),
        perSecond: Math.round(count / seconds),
      })
    }
    const before = await usedMemory(client)
    const probe = createRedisReplayStore({ client, prefix: 'bench-mem' })
    const exp = Date.now() + 3_600_000
    for (let i = 0; i < 10_000; i += 1) {
      await probe.remember(`${gitlab.issuer}\n${crypto.randomUUID()}`, exp)
    }
    const bytesPerKey = Math.round(((await usedMemory(client)) - before) / 10_000)
    const base = rows[0]!.meanUs
    return {
      rows,
      overheadUs: { memory: rows[1]!.meanUs - base, redis: rows[2]!.meanUs - base },
      redisBytesPerKey: bytesPerKey,
    }
  } finally {
    client.destroy()
    await gitlab.close()
    await redis.close()
  }
}

/**
 * The result as a markdown table for the bench report.
 *
 * @example
 * ```ts
 * writeFileSync('redis.md', renderRedisReplayMarkdown(await runRedisReplayBench()))
 * ```
 */
export function renderRedisReplayMarkdown(result: RedisReplayBenchResult): string {
  const lines = [
    '| replay check | verifications | mean µs | p50 µs | p99 µs | verifications/s (concurrent) |',
    '|---|---:|---:|---:|---:|---:|',
    ...result.rows.map(
      (r) =>
        `| ${r.variant} | ${r.verifications} | ${r.meanUs} | ${r.p50Us} | ${r.p99Us} | ${r.perSecond} |`,
    ),
    '',
    `Overhead per verification (mean, sequential): memory store ${result.overheadUs.memory} µs, ` +
      `Redis on loopback ${result.overheadUs.redis} µs. Redis memory per jti key: ~${result.redisBytesPerKey} bytes.`,
  ]
  return lines.join('\n')
}
