/**
 * The memory section, parent side: heap per cached key set and per cached result (memory/worker),
 * and what the result cache costs the garbage collector (memory/cache-gc-worker). The key-set rows
 * need K issuers: each is its own mock GitLab, all sharing the bench's two keys so no RSA key is
 * generated per tenant.
 */

import { createMockGitlab } from '@gitlab-id-token/testing'
import type { MockGitlab } from '@gitlab-id-token/testing'
import { AUDIENCE, mintValid } from '../fixtures/bench-issuer.js'
import type { BenchIssuer } from '../fixtures/bench-issuer.js'
import type { VerifierTarget } from '../fixtures/policy.js'
import { errorMessage } from '../harness/child-ipc.js'
import { startChild } from '../harness/children.js'
import type { CacheGcJob, CacheGcRow } from './cache-gc-worker.js'
import type { MemoryJob, MemoryResult, Tenant } from './worker.js'

/** Sizes of the memory section. */
export interface MemorySettings {
  readonly keySets: number
  /** Milliseconds per cache-GC variant. */
  readonly cacheRunMs: number
}

/** Heap rows, cache-GC rows and failures. */
export interface MemorySectionResult {
  readonly memory?: MemoryResult
  readonly cacheGc: CacheGcRow[]
  readonly failures: string[]
}

async function tenants(bench: BenchIssuer, count: number): Promise<MockGitlab[]> {
  const keys = { audience: AUDIENCE, ciKey: bench.keys.ci, userKey: bench.keys.user }
  return Promise.all(Array.from({ length: count }, () => createMockGitlab(keys)))
}

const tenantOf = (gitlab: MockGitlab): Tenant => ({
  issuer: gitlab.issuer,
  jwksUri: gitlab.jwksUri,
  token: mintValid(gitlab),
})

async function inChild<T>(
  script: string,
  name: string,
  job: unknown,
  timeoutMs: number,
): Promise<T> {
  const child = startChild(script, { name, nodeArgs: ['--expose-gc', '--no-flush-bytecode'] })
  try {
    child.send(job)
    return (await child.waitFor<{ type: 'result'; data: T }>('result', timeoutMs)).data
  } finally {
    await child.stop()
  }
}

/**
 * Runs both memory children; each failure is recorded, never thrown.
 *
 * @example
 * ```ts
 * const mem = await runMemorySection(bench, target, tokens, { keySets: 50, cacheRunMs: 1500 })
 * ```
 */
export async function runMemorySection(
  bench: BenchIssuer,
  target: VerifierTarget,
  tokens: { readonly pool: readonly string[]; readonly single: string },
  settings: MemorySettings,
): Promise<MemorySectionResult> {
  const failures: string[] = []
  let memory: MemoryResult | undefined
  const mocks = await tenants(bench, settings.keySets + 3)
  try {
    const job: MemoryJob = {
      tenants: mocks.slice(2).map(tenantOf),
      warm: mocks.slice(0, 2).map(tenantOf),
      issuer: target.issuer,
      publicPem: bench.publicPem,
      audience: target.audience,
      projectId: target.projectId,
      pool: tokens.pool,
    }
    memory = await inChild<MemoryResult>('memory/worker.ts', 'memory', job, 120_000)
  } catch (err) {
    failures.push(`memory: ${errorMessage(err)}`)
  } finally {
    await Promise.all(mocks.map((m) => m.close()))
  }
  let cacheGc: CacheGcRow[] = []
  try {
    const job: CacheGcJob = { ...target, ...tokens, runMs: settings.cacheRunMs }
    cacheGc = await inChild<CacheGcRow[]>('memory/cache-gc-worker.ts', 'cache-gc', job, 60_000)
  } catch (err) {
    failures.push(`memory (result cache GC): ${errorMessage(err)}`)
  }
  return { ...(memory === undefined ? {} : { memory }), cacheGc, failures }
}
