/**
 * Child process of the memory section, started with --expose-gc: V8 heap per cached key set and
 * per cached verified result, measured as heap growth between two full collections.
 *
 * Key sets: one verifier with 1 issuer and one with K issuers (each its own mock GitLab, each
 * verified once so its key set is fetched and imported); the difference of the two growths
 * cancels the verifier's fixed cost: ((h2 − h1) − (h1 − h0)) / (K − 1).
 * Results: fill a result cache with N distinct tokens. Each token is passed as a fresh string
 * copy, as a server would receive it from a request, so a cache keyed by the token pays for it.
 */

import { createVerifier as createFastJwtVerifier } from 'fast-jwt'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { benchPolicy } from '../fixtures/policy.js'
import { runJob } from '../harness/child-ipc.js'

/** An issuer and one valid token it signed. */
export interface Tenant {
  readonly issuer: string
  readonly jwksUri: string
  readonly token: string
}

/** What the parent sends the memory child. */
export interface MemoryJob {
  /** K + 1 tenants: one for the single-issuer verifier, K for the many-issuer one. */
  readonly tenants: readonly Tenant[]
  /** Throwaway tenants for the warm-up. */
  readonly warm: readonly Tenant[]
  readonly issuer: string
  readonly publicPem: string
  readonly audience: string
  readonly projectId: string
  readonly pool: readonly string[]
}

/** Heap per entry of one kind of cached entry. */
export interface MemoryRow {
  readonly id: string
  readonly label: string
  readonly entries: number
  /** Bytes of V8 heap per entry. */
  readonly bytesPerEntry: number
}

/** Every heap row, with the token size for scale. */
export interface MemoryResult {
  readonly tokenBytes: number
  readonly rows: MemoryRow[]
}

const gc = (globalThis as { gc?: () => void }).gc

async function heap(): Promise<number> {
  if (!gc) throw new Error('run with --expose-gc')
  // Let pending timers/microtasks settle, then collect twice (weak callbacks run between).
  await new Promise((r) => setImmediate(r))
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const fresh = (s: string): string => Buffer.from(s).toString()

runJob<MemoryJob, MemoryResult>(async (job) => {
  const k = job.tenants.length - 1
  const tenants = job.tenants.map((t) => t.issuer)
  const tokens = job.tenants.map((t) => t.token)
  const jwksUris = job.tenants.map((t) => t.jwksUri)
  const { createVerifier } = await import('@gitlab-id-token/core')
  const base = { audience: job.audience, policy: benchPolicy(job), cache: false as const }
  // With several trusted issuers every rule must pin `iss` (IDs are only unique per instance), so
  // the many-issuer verifier has one rule per issuer, as a real multi-instance service would.
  const perIssuer = (issuers: readonly string[]) => ({
    ...base,
    issuer: issuers,
    policy: {
      allow: issuers.map((iss, i) => ({
        name: `bench-${i}`,
        match: { iss, project_id: job.projectId },
      })),
    },
  })
  const rows: MemoryRow[] = []
  const keep: unknown[] = []

  // Warm-up on throwaway tenants: the first fetch() initialises undici, and first calls compile
  // bytecode; both land on the heap once and would otherwise be charged to the first entry.
  for (const t of job.warm) {
    await createVerifier({ ...base, issuer: t.issuer }).verify(t.token)
    await jwtVerify(t.token, createRemoteJWKSet(new URL(t.jwksUri)), {
      issuer: t.issuer,
      audience: job.audience,
    })
  }

  // Key sets, ours.
  {
    const h0 = await heap()
    const one = createVerifier(perIssuer(tenants.slice(0, 1)))
    await one.verify(tokens[0])
    const h1 = await heap()
    const many = createVerifier(perIssuer(tenants.slice(1)))
    for (let i = 1; i <= k; i++) await many.verify(tokens[i])
    const h2 = await heap()
    keep.push(one, many)
    rows.push({
      id: 'ours-key-set',
      label:
        'ours: one more trusted issuer (its key set of 2 RSA-2048 keys, discovered + fetched, and its `iss`-pinned rule)',
      entries: k,
      bytesPerEntry: (h2 - h1 - (h1 - h0)) / (k - 1),
    })
  }

  // Key sets, jose (reference): one createRemoteJWKSet per issuer, as a multi-issuer jose app does.
  {
    const verifyWith = async (n: number) => {
      const sets = tenants
        .slice(0, n)
        .map((iss, i) => ({ iss, set: createRemoteJWKSet(new URL(jwksUris[i] as string)) }))
      for (const [i, { iss, set }] of sets.entries()) {
        await jwtVerify(tokens[i] as string, set, {
          issuer: iss,
          audience: job.audience,
          algorithms: ['RS256'],
        })
      }
      return sets
    }
    const h0 = await heap()
    keep.push(await verifyWith(1))
    const h1 = await heap()
    keep.push(await verifyWith(k))
    const h2 = await heap()
    rows.push({
      id: 'jose-key-set',
      label: 'jose `createRemoteJWKSet`: one cached key set (reference)',
      entries: k,
      bytesPerEntry: (h2 - h1 - (h1 - h0)) / (k - 1),
    })
  }

  // Verified results, ours.
  const n = job.pool.length
  {
    const v = createVerifier({ ...base, issuer: job.issuer, cache: { max: n * 2 } })
    // Twice each: the cache admits a token on its second sight (issue 11), so one pass caches none.
    const twice = async (t: string) => {
      await v.verify(fresh(t))
      await v.verify(fresh(t))
    }
    await twice(job.pool[0] as string)
    const h0 = await heap()
    for (let i = 1; i < n; i++) await twice(job.pool[i] as string)
    const h1 = await heap()
    keep.push(v)
    rows.push({
      id: 'ours-result',
      label: 'ours: one cached verified result (each token verified twice, so it is admitted)',
      entries: n - 1,
      bytesPerEntry: (h1 - h0) / (n - 1),
    })
  }

  // Verified results, fast-jwt (reference).
  {
    const v = createFastJwtVerifier({
      key: job.publicPem,
      algorithms: ['RS256'],
      allowedIss: job.issuer,
      allowedAud: job.audience,
      cache: n * 2,
    })
    v(fresh(job.pool[0] as string))
    const h0 = await heap()
    for (let i = 1; i < n; i++) v(fresh(job.pool[i] as string))
    const h1 = await heap()
    keep.push(v)
    rows.push({
      id: 'fast-jwt-result',
      label: 'fast-jwt `cache`: one cached verified token (reference)',
      entries: n - 1,
      bytesPerEntry: (h1 - h0) / (n - 1),
    })
  }

  if (keep.length === 0) throw new Error('unreachable')
  return { tokenBytes: (job.pool[0] ?? '').length, rows }
})
