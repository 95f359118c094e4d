/**
 * `pnpm bench`: (a) in-process verifications/s, (b) HTTP req/s, (c) cold start, (d) memory.
 * Prints a markdown report to stdout (progress goes to stderr), writes bench/results/*.json|md,
 * and exits non-zero when a correctness check failed — never because of a number.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { errorMessage } from './child-ipc.js'
import {
  BENCH_DIR,
  installChildCleanup,
  killAllChildren,
  startChild,
  useCompiledChildren,
} from './children.js'
import { compileChildren } from './compile-children.js'
import { runColdStart } from './cold-start.js'
import { loadConfig } from './config.js'
import { runHttpSection } from './http-bench.js'
import type { ServerConfig } from './http-variants.js'
import { startIssuerServer } from './issuer-server.js'
import { log } from './log.js'
import type { MemoryJob, MemoryResult } from './memory-worker.js'
import { renderMarkdown } from './report-markdown.js'
import { computeTargets, httpRows, verifyRows } from './report.js'
import type { BenchResults } from './report.js'
import {
  AUDIENCE,
  PROJECT_ID,
  createSigningKey,
  gitlabClaims,
  mintToken,
  tamperPayload,
  tamperSignature,
} from './tokens.js'
import type { VerifyJob, VerifyJobResult } from './verify-worker.js'

/** Replaces the README's results section (between the two markers) with the latest table. */
function embedInReadme(markdown: string): void {
  const file = join(BENCH_DIR, 'README.md')
  if (!existsSync(file)) return
  const text = readFileSync(file, 'utf8')
  const begin = '<!-- latest-results:begin -->'
  const end = '<!-- latest-results:end -->'
  const a = text.indexOf(begin)
  const b = text.indexOf(end)
  if (a < 0 || b < a) return
  writeFileSync(file, `${text.slice(0, a + begin.length)}\n\n${markdown}\n${text.slice(b)}`)
}

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
const key = createSigningKey()
const issuer = await startIssuerServer([key.jwk])
try {
  const now = Math.floor(Date.now() / 1000)
  const pool = Array.from({ length: config.poolSize }, (_, i) =>
    mintToken(key, gitlabClaims(i, issuer.issuer, now)),
  )
  // The repeated token is not in the pool, so the pool's cache behaviour stays independent of it.
  const single = mintToken(key, gitlabClaims(1_000_000, issuer.issuer, now))
  const tokens = {
    pool,
    single,
    tamperedSignature: tamperSignature(single),
    tamperedPayload: tamperPayload(single),
    otherProject: mintToken(
      key,
      gitlabClaims(1_000_001, issuer.issuer, now, { project_id: '1', job_project_id: '1' }),
    ),
  }
  // Self-test of the harness: the "tampered" token is then valid, so every check that expects a
  // rejection must fail and the run must exit non-zero.
  if (process.env.BENCH_FAULT === 'accept-tampered') tokens.tamperedSignature = single
  log(
    `${config.quick ? 'quick' : 'default'} run; ${pool.length} tokens of ${single.length} bytes minted; issuer ${issuer.issuer}`,
  )

  const serverCfg: ServerConfig = {
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    projectId: PROJECT_ID,
    oursCacheMax: config.oursCacheMax,
  }
  const results: Omit<BenchResults, 'durationSeconds' | 'targets' | 'failures'> & {
    -readonly [K in 'verify' | 'http' | 'coldStart' | 'memory']?: BenchResults[K]
  } = {
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
    token: {
      bytes: single.length,
      claims: Object.keys(gitlabClaims(0, issuer.issuer, now)).length,
      alg: 'RS256',
      keyBits: 2048,
      pool: pool.length,
    },
    settings: {
      ...config,
      sections: [...config.sections],
      http: { ...config.http, variants: config.http.variants.map((v) => v.id) },
    },
  }

  if (config.sections.has('a')) {
    log('(a) in-process verifications/s')
    const child = startChild('./verify-worker.ts', { name: 'verify', nodeArgs: ['--expose-gc'] })
    try {
      const job: VerifyJob = {
        issuer: issuer.issuer,
        jwks: { keys: [key.jwk] },
        publicPem: key.publicPem,
        audience: AUDIENCE,
        projectId: PROJECT_ID,
        ...tokens,
        ...config.verify,
      }
      child.send(job)
      const budget =
        60_000 + 20 * (config.verify.warmupMs + config.verify.rounds * config.verify.runMs)
      const { data } = await child.waitFor<{ type: 'result'; data: VerifyJobResult }>(
        'result',
        budget,
      )
      failures.push(...data.failures)
      results.verify = verifyRows(data.cases)
    } catch (err) {
      failures.push(`verify: ${errorMessage(err)}`)
    } finally {
      await child.stop()
    }
  }

  if (config.sections.has('b')) {
    log('(b) HTTP req/s')
    const http = await runHttpSection(serverCfg, tokens, config.http)
    failures.push(...http.failures)
    results.http = {
      connections: config.http.connections,
      rows: httpRows(http.rows),
      probes: http.probes,
    }
  }

  if (config.sections.has('c')) {
    log('(c) cold start')
    const extra = Array.from({ length: Math.max(0, config.cold.requests - pool.length) }, (_, i) =>
      mintToken(key, gitlabClaims(pool.length + i, issuer.issuer, now)),
    )
    const cold = await runColdStart(
      issuer,
      serverCfg,
      [...pool, ...extra].slice(0, config.cold.requests),
      config.cold.issuerDelayMs,
      config.cold.references,
    )
    failures.push(...cold.failures)
    results.coldStart = cold
  }

  if (config.sections.has('d')) {
    log('(d) memory')
    const child = startChild('./memory-worker.ts', {
      name: 'memory',
      nodeArgs: ['--expose-gc', '--no-flush-bytecode'],
    })
    try {
      const job: MemoryJob = {
        privatePem: key.privatePem,
        tenantBase: issuer.origin,
        issuer: issuer.issuer,
        audience: AUDIENCE,
        projectId: PROJECT_ID,
        keySets: config.memory.keySets,
        pool,
      }
      child.send(job)
      results.memory = (
        await child.waitFor<{ type: 'result'; data: MemoryResult }>('result', 120_000)
      ).data
    } catch (err) {
      failures.push(`memory: ${errorMessage(err)}`)
    } finally {
      await child.stop()
    }
  }

  const final: BenchResults = {
    ...results,
    machine: { ...results.machine, loadAverage: [loadAtStart, loadavg()[0] ?? 0] },
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    targets: computeTargets(results),
    failures,
  }
  const markdown = renderMarkdown(final)
  process.stdout.write(`${markdown}\n`)

  const dir = join(BENCH_DIR, 'results')
  mkdirSync(dir, { recursive: true })
  const json = `${JSON.stringify(final, null, 2)}\n`
  if (config.quick || config.partial) {
    // Smoke and narrowed runs never overwrite the kept results (tmp-* is git-ignored).
    const name = config.quick ? 'tmp-quick' : 'tmp-partial'
    writeFileSync(join(dir, `${name}.json`), json)
    writeFileSync(join(dir, `${name}.md`), `${markdown}\n`)
  } else {
    writeFileSync(join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`), json)
    writeFileSync(join(dir, 'latest.json'), json)
    writeFileSync(join(dir, 'latest.md'), `${markdown}\n`)
    embedInReadme(markdown)
  }
  log(`done in ${final.durationSeconds.toFixed(0)} s; ${failures.length} correctness failure(s)`)
} catch (err) {
  failures.push(`bench: ${errorMessage(err)}`)
  console.error(err)
} finally {
  await issuer.close()
  killAllChildren()
}

if (failures.length > 0) {
  console.error(
    `bench: ${failures.length} correctness failure(s):\n${failures.map((f) => `  - ${f}`).join('\n')}`,
  )
  process.exit(1)
}
process.exit(0)
