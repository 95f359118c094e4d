/**
 * Profiling helper (not part of `pnpm bench`): where the µs of one verification go. Times each
 * step of our hot path in isolation — using the core's own built modules where they are exported
 * from dist — next to the hand-written equivalent, and the whole `verify()` for comparison.
 *
 *   pnpm build && cd bench && NODE_ENV=production node --import tsx --expose-gc src/breakdown.ts
 */

import { constants, verify as cryptoVerify } from 'node:crypto'
import { IncomingMessage } from 'node:http'
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { createVerifier, extractBearerToken } from '@gitlab-id-token/core'
import { startIssuerServer } from './issuer-server.js'
import { keysFromJwks, verifyToken } from './rawcrypto.js'
import { benchPolicy } from './servers/policy.js'
import { AUDIENCE, PROJECT_ID, createSigningKey, gitlabClaims, mintToken } from './tokens.js'

// Internal modules of the core (not part of its public API), loaded from its build output.
const distUrl = new URL('../../packages/core/dist/', import.meta.url)
const internal = async (file: string): Promise<any> => import(new URL(file, distUrl).href)
const { decodeToken } = await internal('decode.js')
const { checkAudience, checkCiToken, checkTime } = await internal('claim-checks.js')
const { compilePolicy } = await internal('policy.js')
const { LRUCache } = createRequire(fileURLToPath(new URL('package.json', distUrl)))('lru-cache')

const ROUNDS = 5
const MS = 300

/**
 * CPU µs per call over `ms` milliseconds of wall time; `fn(i)` gets a running index. CPU time
 * (process.cpuUsage) rather than wall time, so other load on the machine inflates it less; every
 * step here runs on the main thread only.
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

const key = createSigningKey()
const issuer = await startIssuerServer([key.jwk])
try {
  const now = Math.floor(Date.now() / 1000)
  const pool = Array.from({ length: 2000 }, (_, i) =>
    mintToken(key, gitlabClaims(i, issuer.issuer, now)),
  )
  const N = pool.length
  const tok = (i: number) => pool[i % N] as string
  const keyObject = keysFromJwks({ keys: [key.jwk] })
    .values()
    .next().value!
  const parts = pool.map((t) => {
    const [h = '', p = '', s = ''] = t.split('.')
    return { h, p, s, input: `${h}.${p}`, json: Buffer.from(p, 'base64url').toString() }
  })
  const part = (i: number) => parts[i % N]!
  const prebuilt = parts.map((x) => ({
    data: Buffer.from(x.input),
    sig: Buffer.from(x.s, 'base64url'),
  }))
  const settings = { clockTolerance: 30, maxTokenAge: undefined }
  const audiences = new Set([AUDIENCE])
  const policy = compilePolicy(benchPolicy({ projectId: PROJECT_ID }))
  const parsed = parts.map((x) => JSON.parse(x.json) as Record<string, unknown>)
  const lru = new LRUCache({ max: 100 })
  const ours = createVerifier({
    audience: AUDIENCE,
    issuer: issuer.issuer,
    policy: benchPolicy({ projectId: PROJECT_ID }),
    cache: false,
  })
  const raw = {
    issuer: issuer.issuer,
    audience: AUDIENCE,
    projectId: PROJECT_ID,
    keys: new Map([[key.kid, keyObject]]),
  }
  const B64 = /^[A-Za-z0-9_-]*$/
  const headers = pool.map((t) => `Bearer ${t}`)
  const verifyInput = { key: keyObject, padding: constants.RSA_PKCS1_PADDING }

  const rows: [string, (i: number) => unknown][] = [
    [
      'crypto.verify, prebuilt buffers, KeyObject (floor)',
      (i) => cryptoVerify('sha256', prebuilt[i % N]!.data, keyObject, prebuilt[i % N]!.sig),
    ],
    [
      'crypto.verify, prebuilt buffers, { key } options object',
      (i) =>
        cryptoVerify('sha256', prebuilt[i % N]!.data, { key: keyObject }, prebuilt[i % N]!.sig),
    ],
    [
      'Buffer.from(signingInput, latin1) + signature base64url decode',
      (i) => [Buffer.from(part(i).input, 'latin1'), Buffer.from(part(i).s, 'base64url')],
    ],
    [
      'ours: decodeToken (split, regex, base64url, 2× JSON.parse)',
      (i) => decodeToken(tok(i), 32768),
    ],
    [
      'raw: split + base64url + 2× JSON.parse',
      (i) => {
        const t = tok(i).split('.')
        return [
          JSON.parse(Buffer.from(t[0]!, 'base64url').toString()),
          JSON.parse(Buffer.from(t[1]!, 'base64url').toString()),
          Buffer.from(t[2]!, 'base64url'),
        ]
      },
    ],
    ['  of which: JSON.parse(payload)', (i) => JSON.parse(part(i).json)],
    [
      '  of which: base64url decode of the payload to a string',
      (i) => Buffer.from(part(i).p, 'base64url').toString(),
    ],
    [
      '  ours only: strict base64url regex over the three segments',
      (i) => B64.test(part(i).h) && B64.test(part(i).p) && B64.test(part(i).s),
    ],
    [
      'ours: deepFreeze(claims) (fresh JSON.parse included)',
      (i) => deepFreeze(JSON.parse(part(i).json)),
    ],
    [
      'ours: checkAudience + checkCiToken + checkTime',
      (i) => {
        const c = parsed[i % N]!
        checkAudience(c.aud, audiences)
        checkCiToken(c)
        checkTime(c, Date.now() / 1000, settings)
      },
    ],
    ['ours: compiled policy decide (project_id pin)', (i) => policy.decide(parsed[i % N]!)],
    [
      'ours: LRU set (cache miss path; max 100)',
      (i) => lru.set(tok(i), parsed[i % N], { ttl: 3_600_000 }),
    ],
    [
      'ours: result object (Object.freeze + new Date)',
      (i) =>
        Object.freeze({
          claims: parsed[i % N],
          grants: [],
          rules: [],
          issuer: 'x',
          expiresAt: new Date(i),
        }),
    ],
    ['await of an already-resolved promise', () => Promise.resolve(1)],
    [
      'ours steps 1–3: decodeToken + signing-input Buffer + crypto.verify({ key, padding })',
      (i) => {
        const d = decodeToken(tok(i), 32768)
        return cryptoVerify(
          'sha256',
          Buffer.from(d.signingInput, 'latin1'),
          verifyInput,
          d.signature,
        )
      },
    ],
    [
      'ours steps 1–6: + claim checks, deepFreeze, policy decide, frozen result',
      (i) => {
        const d = decodeToken(tok(i), 32768)
        if (
          !cryptoVerify('sha256', Buffer.from(d.signingInput, 'latin1'), verifyInput, d.signature)
        )
          throw new Error('bad')
        checkAudience(d.payload.aud, audiences)
        checkCiToken(d.payload)
        checkTime(d.payload, Date.now() / 1000, settings)
        const claims = deepFreeze(d.payload)
        const decision = policy.decide(claims)
        return Object.freeze({
          claims,
          grants: decision.grants,
          rules: decision.rules,
          issuer: claims.iss,
          expiresAt: new Date((claims.exp as number) * 1000),
        })
      },
    ],
    [
      'adapters: extractBearerToken(`Bearer …`) (RFC 6750 grammar regex)',
      (i) => extractBearerToken(headers[i % N]),
    ],
    [
      'raw: indexOf(" ") + slice of the Authorization header',
      (i) => headers[i % N]!.slice(headers[i % N]!.indexOf(' ') + 1),
    ],
    [
      'adapters: req.headersDistinct.authorization on a fresh request (3 headers)',
      (i) => {
        const req = new IncomingMessage(null as never)
        req.rawHeaders = [
          'Host',
          'localhost:1234',
          'Connection',
          'keep-alive',
          'authorization',
          headers[i % N]!,
        ]
        return req.headersDistinct.authorization
      },
    ],
    [
      'raw: req.headers.authorization on a fresh request (3 headers)',
      (i) => {
        const req = new IncomingMessage(null as never)
        req.rawHeaders = [
          'Host',
          'localhost:1234',
          'Connection',
          'keep-alive',
          'authorization',
          headers[i % N]!,
        ]
        return req.headers.authorization
      },
    ],
    ['whole: hand-written verifyToken (rawcrypto.ts)', (i) => verifyToken(tok(i), raw)],
    ['whole: ours verifier.verify(), cache: false, awaited', (i) => ours.verify(tok(i))],
  ]
  const medians = await timeAll(rows)
  console.log(
    `| step | CPU µs per call (median of ${ROUNDS} interleaved ${MS}-ms runs) |\n|---|---:|`,
  )
  rows.forEach(([name], i) => console.log(`| ${name} | ${medians[i]!.toFixed(2)} |`))
} finally {
  await issuer.close()
}
