/**
 * Profiling helper (not part of `pnpm bench`): where one HTTP server variant spends its CPU per
 * request under autocannon load. The server runs exactly as in the bench (compiled, own process);
 * only the timed load window is profiled.
 *
 *   pnpm build && cd bench && node --import tsx tools/profile-server.ts fastify-ours repeated 5
 */

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  AUDIENCE,
  PROJECT_ID,
  mintBenchTokens,
  startBenchIssuer,
} from '../src/fixtures/bench-issuer.js'
import { cryptoModesSupported } from '../src/fixtures/policy.js'
import {
  BENCH_DIR,
  installChildCleanup,
  killAllChildren,
  useCompiledChildren,
} from '../src/harness/children.js'
import { compileChildren } from '../src/harness/compile-children.js'
import { load } from '../src/http/load.js'
import { startServer } from '../src/http/server-handle.js'
import { HTTP_VARIANTS } from '../src/http/variants.js'
import type { LoadMode } from '../src/http/variants.js'
import { summarizeProfile } from './cpu-profile.js'
import type { CpuProfile } from './cpu-profile.js'

const [id = 'fastify-ours', mode = 'distinct', seconds = '5'] = process.argv.slice(2)
const variant = HTTP_VARIANTS.find((v) => v.id === id)
if (!variant)
  throw new Error(`unknown variant ${id}; one of ${HTTP_VARIANTS.map((v) => v.id).join(', ')}`)
const connections = Number(process.argv[5] ?? 50)
if (!variant.runs.some((r) => r.mode === mode))
  throw new Error(`${id} runs in ${variant.runs.map((r) => r.mode).join(', ')}`)

installChildCleanup()
useCompiledChildren(compileChildren(join(BENCH_DIR, 'results', 'tmp-build')))
const bench = await startBenchIssuer()
try {
  const tokens = mintBenchTokens(bench.gitlab, 2000)
  const target = {
    issuer: bench.issuer,
    jwksUri: bench.jwksUri,
    audience: AUDIENCE,
    projectId: PROJECT_ID,
  }
  const { child, url } = await startServer(variant, {
    ...target,
    cryptoModes: await cryptoModesSupported(target),
  })
  await load(url, mode as LoadMode, tokens, 2, connections)
  child.send({ type: 'profile-start' })
  await child.waitFor('profile-start', 10_000)
  const r = await load(url, mode as LoadMode, tokens, Number(seconds), connections)
  child.send({ type: 'profile-stop' })
  const { profile } = await child.waitFor<{ type: string; profile: CpuProfile }>(
    'profile-stop',
    30_000,
  )
  const dir = join(BENCH_DIR, 'results', 'tmp-prof')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `${id}-${mode}.cpuprofile`), JSON.stringify(profile))
  console.log(`${id} ${mode}: ${Math.round(r.rps)} req/s, ${r.non2xx} non-2xx`)
  console.log(summarizeProfile(profile, r.answered, 'request'))
} finally {
  await bench.gitlab.close()
  killAllChildren()
}
