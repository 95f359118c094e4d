/**
 * Profiling helper (not part of `pnpm bench`): runs one in-process case in a loop so that
 * `node --cpu-prof` sees nothing else, then prints where the self time went.
 *
 *   cd bench && NODE_ENV=production node --import tsx tools/profile.ts ours-sync-1 5
 *
 * Only the timed loop is profiled (node:inspector), and times are given in µs per verification,
 * so two cases can be compared line by line. The raw profile is kept in
 * results/tmp-prof/<case>.cpuprofile (git-ignored) for Chrome DevTools.
 */

import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import {
  AUDIENCE,
  PROJECT_ID,
  mintBenchTokens,
  startBenchIssuer,
} from '../src/fixtures/bench-issuer.js'
import { cryptoModesSupported } from '../src/fixtures/policy.js'
import { BENCH_DIR } from '../src/harness/children.js'
import { VERIFY_CASES } from '../src/verify/cases.js'
import { summarizeProfile } from './cpu-profile.js'
import type { CpuProfile } from './cpu-profile.js'

async function run(id: string, seconds: number): Promise<void> {
  const c = VERIFY_CASES.find((x) => x.id === id)
  if (!c) throw new Error(`unknown case ${id}; one of ${VERIFY_CASES.map((x) => x.id).join(', ')}`)
  const bench = await startBenchIssuer()
  try {
    const target = {
      issuer: bench.issuer,
      jwksUri: bench.jwksUri,
      audience: AUDIENCE,
      projectId: PROJECT_ID,
    }
    const prepared = await c.prepare({
      ...target,
      ...mintBenchTokens(bench.gitlab, 2000),
      jwks: bench.jwks,
      publicPem: bench.publicPem,
      cryptoModes: await cryptoModesSupported(target),
    })
    await prepared.check()
    // Warm up (JIT) before profiling.
    for (let i = 0; i < 2000; i++) await prepared.op(i)
    const session = new Session()
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 250 })
    await session.post('Profiler.start')
    let n = 0
    const start = performance.now()
    const end = start + seconds * 1000
    if (c.drive === 'async' && c.inFlight > 1) {
      await Promise.all(
        Array.from({ length: c.inFlight }, async () => {
          while (performance.now() < end) await prepared.op(n++)
        }),
      )
    } else {
      while (performance.now() < end) await prepared.op(n++)
    }
    const elapsed = performance.now() - start
    const { profile } = await session.post('Profiler.stop')
    session.disconnect()
    const dir = join(BENCH_DIR, 'results', 'tmp-prof')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, `${id}.cpuprofile`), JSON.stringify(profile))
    console.log(
      `${id}: ${Math.round((n / elapsed) * 1000)} ops/s, ${((elapsed * 1000) / n).toFixed(1)} µs/op`,
    )
    console.log(summarizeProfile(profile as unknown as CpuProfile, n, 'verification'))
  } finally {
    await bench.gitlab.close()
  }
}

await run(process.argv[2] ?? 'ours-sync-1', Number(process.argv[3] ?? 5))
