/**
 * Profiling helper (not part of `pnpm bench`): where one HTTP server variant spends its CPU per
 * request under autocannon load. The server runs exactly as in the bench (compiled, own process);
 * only the timed load window is profiled.
 *
 *   pnpm build && cd bench && node --import tsx src/profile-server.ts fastify-ours repeated 5
 */

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BENCH_DIR, installChildCleanup, killAllChildren, useCompiledChildren } from './children.js'
import { compileChildren } from './compile-children.js'
import { summarizeProfile } from './cpu-profile.js'
import type { CpuProfile } from './cpu-profile.js'
import { load, startServer } from './http-bench.js'
import { HTTP_VARIANTS } from './http-variants.js'
import type { LoadMode } from './http-variants.js'
import { startIssuerServer } from './issuer-server.js'
import {
  AUDIENCE,
  PROJECT_ID,
  createSigningKey,
  gitlabClaims,
  mintToken,
  tamperSignature,
} from './tokens.js'

const [id = 'fastify-ours', mode = 'distinct', seconds = '5'] = process.argv.slice(2)
const variant = HTTP_VARIANTS.find((v) => v.id === id)
if (!variant)
  throw new Error(`unknown variant ${id}; one of ${HTTP_VARIANTS.map((v) => v.id).join(', ')}`)
if (!variant.modes.includes(mode as LoadMode))
  throw new Error(`${id} runs in ${variant.modes.join(', ')}`)

installChildCleanup()
useCompiledChildren(compileChildren(join(BENCH_DIR, 'results', 'tmp-build')))
const key = createSigningKey()
const issuer = await startIssuerServer([key.jwk])
try {
  const now = Math.floor(Date.now() / 1000)
  const single = mintToken(key, gitlabClaims(1_000_000, issuer.issuer, now))
  const tokens = {
    pool: Array.from({ length: 2000 }, (_, i) =>
      mintToken(key, gitlabClaims(i, issuer.issuer, now)),
    ),
    single,
    tamperedSignature: tamperSignature(single),
    otherProject: single,
  }
  const { child, url } = await startServer(variant, {
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    projectId: PROJECT_ID,
    oursCacheMax: 100,
  })
  await load(url, mode as LoadMode, tokens, 2, 50)
  child.send({ type: 'profile-start' })
  await child.waitFor('profile-start', 10_000)
  const r = await load(url, mode as LoadMode, tokens, Number(seconds), 50)
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
  await issuer.close()
  killAllChildren()
}
