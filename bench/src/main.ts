/**
 * `pnpm bench`: the verify, HTTP, start-up/cold-start, memory and extra (gateway, Redis) sections,
 * each a module of its own. Prints a markdown report to stdout (progress goes to stderr), writes
 * bench/results/*.json|md, and exits non-zero when a correctness check failed — never because of
 * a number.
 */

import { availableParallelism, arch, cpus, loadavg, platform, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { runColdStart } from './cold-start/section.js'
import { runStartup } from './cold-start/startup.js'
import { loadConfig } from './config.js'
import { runExtras } from './extras/section.js'
import {
  AUDIENCE,
  PROJECT_ID,
  claimCount,
  mintBenchTokens,
  mintValid,
  startBenchIssuer,
} from './fixtures/bench-issuer.js'
import { cryptoModesSupported } from './fixtures/policy.js'
import type { VerifierTarget } from './fixtures/policy.js'
import { errorMessage } from './harness/child-ipc.js'
import {
  BENCH_DIR,
  installChildCleanup,
  killAllChildren,
  useCompiledChildren,
} from './harness/children.js'
import { compileChildren } from './harness/compile-children.js'
import { log } from './harness/log.js'
import { runHttpSection } from './http/section.js'
import { runMemorySection } from './memory/section.js'
import { renderMarkdown } from './report/markdown.js'
import { httpRows, verifyRows } from './report/results.js'
import type { BenchResults } from './report/results.js'
import { computeTargets } from './report/targets.js'
import { writeResults } from './report/write-results.js'
import { runVerifySection } from './verify/section.js'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

installChildCleanup()
const config = loadConfig(process.env)
const startedAt = new Date()
const loadAtStart = loadavg()[0] ?? 0
const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${config.deadlineMs / 1000} s; aborting`)
  killAllChildren()
  process.exit(2)
}, config.deadlineMs)
watchdog.unref()

const failures: string[] = []
useCompiledChildren(compileChildren(join(BENCH_DIR, 'results', 'tmp-build')))
const bench = await startBenchIssuer()
try {
  const tokens = mintBenchTokens(bench.gitlab, config.poolSize)
  // Self-test of the harness: the "tampered" token is then valid, so every check that expects a
  // refusal must fail and the run must exit non-zero.
  const tampered =
    process.env.BENCH_FAULT === 'accept-tampered' ? { tamperedSignature: tokens.single } : {}
  const t = { ...tokens, ...tampered }
  const target: VerifierTarget = {
    issuer: bench.issuer,
    jwksUri: bench.jwksUri,
    audience: AUDIENCE,
    projectId: PROJECT_ID,
  }
  const cryptoModes = await cryptoModesSupported(target)
  log(
    `${config.quick ? 'quick' : 'default'} run; ${t.pool.length} tokens of ${t.single.length} bytes minted; ` +
      `issuer ${bench.issuer}; crypto option ${cryptoModes ? 'present' : 'absent'}; ${availableParallelism()} cores`,
  )
  const results: Mutable<Omit<BenchResults, 'durationSeconds' | 'targets' | 'failures'>> = {
    startedAt: startedAt.toISOString(),
    quick: config.quick,
    machine: {
      node: process.version,
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores: cpus().length,
      platform: `${platform()} ${arch()} ${release()}`,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      loadAverage: [loadAtStart, loadAtStart],
    },
    token: { bytes: t.single.length, claims: claimCount(t.single), pool: t.pool.length },
    cryptoModes,
    settings: {
      ...config,
      sections: [...config.sections],
      http: { ...config.http, variants: config.http.variants.map((v) => v.id) },
    },
  }

  if (config.sections.has('verify')) {
    log('verify: in-process verifications/s')
    const input = {
      ...target,
      jwks: bench.jwks,
      publicPem: bench.publicPem,
      cryptoModes,
      tokens: t,
    }
    const verify = await runVerifySection(input, config.verify)
    failures.push(...verify.failures)
    results.verify = { rows: verifyRows(verify.cases), glob: verify.glob }
  }

  if (config.sections.has('http')) {
    log('http: req/s')
    const http = await runHttpSection({ ...target, cryptoModes }, t, config.http)
    failures.push(...http.failures)
    results.http = { rows: httpRows(http.rows), probes: http.probes }
  }

  if (config.sections.has('cold-start')) {
    log('cold start: import time, first verify, concurrent first requests')
    const startup = await runStartup(
      target,
      [mintValid(bench.gitlab), ...t.pool.slice(0, 40)],
      config.cold.importSamples,
    )
    failures.push(...startup.failures)
    results.startup = startup
    const extra = Array.from({ length: Math.max(0, config.cold.requests - t.pool.length) }, () =>
      mintValid(bench.gitlab),
    )
    const cold = await runColdStart(
      bench.gitlab,
      { ...target, cryptoModes },
      [...t.pool, ...extra].slice(0, config.cold.requests),
      config.cold.issuerDelayMs,
      config.cold.references,
    )
    failures.push(...cold.failures)
    results.coldStart = cold
  }

  if (config.sections.has('memory')) {
    log('memory: heap per entry, result cache and GC')
    const mem = await runMemorySection(bench, target, t, config.memory)
    failures.push(...mem.failures)
    if (mem.memory) results.memory = mem.memory
    results.cacheGc = mem.cacheGc
  }

  if (config.sections.has('extras')) {
    log('extras: gateway and Redis rows')
    const extras = await runExtras(config.quick)
    failures.push(...extras.failures)
    results.extras = extras.rows
  }

  results.machine = { ...results.machine, loadAverage: [loadAtStart, loadavg()[0] ?? 0] }
  const final: BenchResults = {
    ...results,
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    targets: computeTargets(results),
    failures,
  }
  const markdown = renderMarkdown(final)
  process.stdout.write(`${markdown}\n`)
  writeResults(final, markdown, config)
  log(`done in ${final.durationSeconds.toFixed(0)} s; ${failures.length} correctness failure(s)`)
} catch (err) {
  failures.push(`bench: ${errorMessage(err)}`)
  console.error(err)
} finally {
  await bench.gitlab.close()
  killAllChildren()
}

if (failures.length > 0) {
  console.error(
    `bench: ${failures.length} correctness failure(s):\n${failures.map((f) => `  - ${f}`).join('\n')}`,
  )
  process.exit(1)
}
process.exit(0)
