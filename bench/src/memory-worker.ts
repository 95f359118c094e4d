/**
 * Child process for section (d), started with --expose-gc: V8 heap per cached key set and per
 * cached verified result, measured as heap growth between two full collections.
 *
 * Key sets: one verifier with 1 issuer and one with K issuers (each a tenant of the loopback
 * issuer, each verified once so its key set is fetched and imported); the difference of the two
 * growths cancels the verifier's fixed cost: ((h2 − h1) − (h1 − h0)) / (K − 1).
 * Results: fill a result cache with N distinct tokens. Each token is passed as a fresh string
 * copy, as a server would receive it from a request, so a cache keyed by the token pays for it.
 */

import { createVerifier as createFastJwtVerifier } from 'fast-jwt'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { runJob } from './child-ipc.js'
import { benchPolicy } from './servers/policy.js'
import { gitlabClaims, mintToken, signingKeyFromPem } from './tokens.js'

export interface MemoryJob {
  readonly privatePem: string
  /** Origin of the loopback issuer; tenants are `${tenantBase}/t/<name>`. */
  readonly tenantBase: string
  readonly issuer: string
  readonly audience: string
  readonly projectId: string
  readonly keySets: number
  readonly pool: readonly string[]
}

export interface MemoryRow {
  readonly id: string
  readonly label: string
  readonly entries: number
  /** Bytes of V8 heap per entry. */
  readonly bytesPerEntry: number
}

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
  const key = signingKeyFromPem(job.privatePem)
  const now = Math.floor(Date.now() / 1000)
  const k = job.keySets
  const tenants = Array.from({ length: k + 1 }, (_, i) => `${job.tenantBase}/t/mem${i}`)
  const tokens = tenants.map((iss, i) => mintToken(key, gitlabClaims(i, iss, now)))
  const { createVerifier } = await import('@gitlab-id-token/core')
  const base = { audience: job.audience, policy: benchPolicy(job), cache: false as const }
  const rows: MemoryRow[] = []
  const keep: unknown[] = []

  // Warm-up on throwaway tenants: the first fetch() initialises undici, and first calls compile
  // bytecode; both land on the heap once and would otherwise be charged to the first entry.
  const warm = Array.from({ length: 2 }, (_, i) => `${job.tenantBase}/t/warm${i}`)
  for (const [i, iss] of warm.entries()) {
    const t = mintToken(key, gitlabClaims(i, iss, now))
    await createVerifier({ ...base, issuer: iss }).verify(t)
    await jwtVerify(t, createRemoteJWKSet(new URL(`${iss}/oauth/discovery/keys`)), {
      issuer: iss,
      audience: job.audience,
    })
  }

  // Key sets, ours.
  {
    const h0 = await heap()
    const one = createVerifier({ ...base, issuer: tenants.slice(0, 1) })
    await one.verify(tokens[0])
    const h1 = await heap()
    const many = createVerifier({ ...base, issuer: tenants.slice(1) })
    for (let i = 1; i <= k; i++) await many.verify(tokens[i])
    const h2 = await heap()
    keep.push(one, many)
    rows.push({
      id: 'ours-key-set',
      label: 'ours: one cached key set (1 RSA-2048 key, discovered + fetched)',
      entries: k,
      bytesPerEntry: (h2 - h1 - (h1 - h0)) / (k - 1),
    })
  }

  // Key sets, jose (reference): one createRemoteJWKSet per issuer, as a multi-issuer jose app does.
  {
    const verifyWith = async (n: number) => {
      const sets = tenants
        .slice(0, n)
        .map((iss) => ({ iss, set: createRemoteJWKSet(new URL(`${iss}/oauth/discovery/keys`)) }))
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
    await v.verify(fresh(job.pool[0] as string))
    const h0 = await heap()
    for (let i = 1; i < n; i++) await v.verify(fresh(job.pool[i] as string))
    const h1 = await heap()
    keep.push(v)
    rows.push({
      id: 'ours-result',
      label: 'ours: one cached verified result (token string key included)',
      entries: n - 1,
      bytesPerEntry: (h1 - h0) / (n - 1),
    })
  }

  // Verified results, fast-jwt (reference).
  {
    const pem = key.publicPem
    const v = createFastJwtVerifier({
      key: pem,
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
