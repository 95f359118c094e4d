/**
 * Profiling helper (not part of `pnpm bench`): where the µs of one verification go. Times the
 * steps any verifier must take (decode, parse, RSA check, freeze) with the hand-written
 * equivalents and the core's public pieces (`compilePolicy`, `extractBearerToken`), next to the
 * whole `verify()` — public entry points only, never the core's internal files.
 *
 *   pnpm build && cd bench && NODE_ENV=production node --import tsx --expose-gc tools/breakdown.ts
 */

import { verify as cryptoVerify } from 'node:crypto'
import { IncomingMessage } from 'node:http'
import { performance } from 'node:perf_hooks'
import { compilePolicy, createVerifier, extractBearerToken } from '@gitlab-id-token/core'
import type { GitlabIdTokenClaims } from '@gitlab-id-token/core'
import {
  AUDIENCE,
  PROJECT_ID,
  mintBenchTokens,
  startBenchIssuer,
} from '../src/fixtures/bench-issuer.js'
import { benchPolicy, oursOptions } from '../src/fixtures/policy.js'
import { keysFromJwks, verifyToken } from '../src/fixtures/rawcrypto.js'

const ROUNDS = 5
const MS = 300

/**
 * CPU µs per call over `ms` milliseconds of wall time; `fn(i)` gets a running index. CPU time
 * rather than wall time, so other load on the machine inflates it less; every step here runs on
 * the main thread only.
 */
async function timeOnce(fn: (i: number) => unknown, ms: number): Promise<number> {
  ;(globalThis as { gc?: () => void }).gc?.()
  let ops = 0
  const cpu = process.cpuUsage()
  const end = performance.now() + ms
  while (performance.now() < end) {
    for (let k = 0; k < 16; k++, ops++) {
      const out = fn(ops)
      if (out instanceof Promise) await out
    }
  }
  const used = process.cpuUsage(cpu)
  return (used.user + used.system) / ops
}

/** Rows interleaved round by round (machine noise hits all alike); median per row. */
async function timeAll(
  rows: readonly (readonly [string, (i: number) => unknown])[],
): Promise<number[]> {
  const samples = rows.map((): number[] => [])
  for (const [, fn] of rows) await timeOnce(fn, 100)
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, [, fn]] of rows.entries()) samples[i]!.push(await timeOnce(fn, MS))
  }
  return samples.map((v) => v.sort((a, b) => a - b)[v.length >> 1] as number)
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) deepFreeze(member)
    Object.freeze(value)
  }
  return value
}

const bench = await startBenchIssuer()
try {
  const { pool } = mintBenchTokens(bench.gitlab, 2000)
  const N = pool.length
  const tok = (i: number) => pool[i % N] as string
  const keys = keysFromJwks(bench.jwks)
  const kid = (
    JSON.parse(Buffer.from(tok(0).split('.')[0] ?? '', 'base64url').toString()) as { kid: string }
  ).kid
  const keyObject = keys.get(kid)!
  const parts = pool.map((t) => {
    const [h = '', p = '', s = ''] = t.split('.')
    return { h, p, s, input: `${h}.${p}`, json: Buffer.from(p, 'base64url').toString() }
  })
  const part = (i: number) => parts[i % N]!
  const prebuilt = parts.map((x) => ({
    data: Buffer.from(x.input),
    sig: Buffer.from(x.s, 'base64url'),
  }))
  const parsed = parts.map((x) => JSON.parse(x.json) as GitlabIdTokenClaims)
  const policy = compilePolicy(benchPolicy({ projectId: PROJECT_ID }))
  const target = {
    issuer: bench.issuer,
    jwksUri: bench.jwksUri,
    audience: AUDIENCE,
    projectId: PROJECT_ID,
  }
  const ours = createVerifier({ ...oursOptions(target), cache: false })
  const oursPool = createVerifier({ ...oursOptions(target), cache: false, crypto: 'threadpool' })
  await ours.verify(tok(0))
  await oursPool.verify(tok(0))
  const raw = { issuer: bench.issuer, audience: AUDIENCE, projectId: PROJECT_ID, keys }
  const headers = pool.map((t) => `Bearer ${t}`)
  const freshRequest = (i: number): IncomingMessage => {
    const req = new IncomingMessage(null as never)
    req.rawHeaders = [
      'Host',
      'localhost:1234',
      'Connection',
      'keep-alive',
      'authorization',
      headers[i % N]!,
    ]
    return req
  }

  const rows: [string, (i: number) => unknown][] = [
    [
      'crypto.verify, prebuilt buffers, KeyObject (floor)',
      (i) => cryptoVerify('sha256', prebuilt[i % N]!.data, keyObject, prebuilt[i % N]!.sig),
    ],
    [
      'Buffer.from(signingInput, latin1) + signature base64url decode',
      (i) => [Buffer.from(part(i).input, 'latin1'), Buffer.from(part(i).s, 'base64url')],
    ],
    [
      'split + base64url + 2× JSON.parse',
      (i) => {
        const t = tok(i).split('.')
        return [
          JSON.parse(Buffer.from(t[0]!, 'base64url').toString()),
          JSON.parse(Buffer.from(t[1]!, 'base64url').toString()),
        ]
      },
    ],
    ['  of which: JSON.parse(payload)', (i) => JSON.parse(part(i).json)],
    [
      '  of which: base64url decode of the payload to a string',
      (i) => Buffer.from(part(i).p, 'base64url').toString(),
    ],
    ['deepFreeze(claims) (fresh JSON.parse included)', (i) => deepFreeze(JSON.parse(part(i).json))],
    ['compilePolicy(…).decide(claims) (project_id pin)', (i) => policy.decide(parsed[i % N]!)],
    ['extractBearerToken(`Bearer …`)', (i) => extractBearerToken(headers[i % N])],
    [
      'indexOf(" ") + slice of the Authorization header',
      (i) => headers[i % N]!.slice(headers[i % N]!.indexOf(' ') + 1),
    ],
    [
      'req.headersDistinct.authorization on a fresh request',
      (i) => freshRequest(i).headersDistinct.authorization,
    ],
    ['req.headers.authorization on a fresh request', (i) => freshRequest(i).headers.authorization],
    ['whole: hand-written verifyToken (fixtures/rawcrypto.ts)', (i) => verifyToken(tok(i), raw)],
    ["whole: ours verify(), cache: false, crypto 'sync', awaited", (i) => ours.verify(tok(i))],
    [
      "whole: ours verify(), cache: false, crypto 'threadpool', awaited (main-thread CPU only)",
      (i) => oursPool.verify(tok(i)),
    ],
  ]
  const medians = await timeAll(rows)
  console.log(
    `| step | CPU µs per call (median of ${ROUNDS} interleaved ${MS}-ms runs) |\n|---|---:|`,
  )
  rows.forEach(([name], i) => console.log(`| ${name} | ${medians[i]!.toFixed(2)} |`))
} finally {
  await bench.gitlab.close()
}
