/**
 * The cold-start section: concurrent first requests. N concurrent first requests to a fresh verifier → time until all are
 * answered, and how many discovery and key-set fetches reached the loopback issuer (which answers
 * after a delay, like a remote GitLab, so late arrivals really overlap the first fetch).
 */

import { request } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { MockGitlab } from '@gitlab-id-token/testing'
import { errorMessage } from '../harness/child-ipc.js'
import { startChild } from '../harness/children.js'
import { log } from '../harness/log.js'
import { startServer } from '../http/server-handle.js'
import { HTTP_VARIANTS } from '../http/variants.js'
import type { ServerConfig } from '../http/variants.js'
import type { ColdJob, ColdResult, ColdScenario } from './worker.js'

/** One cold-start scenario's outcome and fetch counts. */
export interface ColdRow {
  readonly scenario: string
  readonly label: string
  readonly requests: number
  readonly ms: number
  readonly accepted: number
  readonly discoveryFetches: number
  readonly jwksFetches: number
  readonly firstError?: string
}

/** Every cold-start scenario, with the issuer delay used. */
export interface ColdSectionResult {
  readonly delayMs: number
  readonly rows: ColdRow[]
  readonly failures: string[]
}

const LABELS: Record<ColdScenario | 'express-ours' | 'express-bare', string> = {
  ours: 'ours: `createVerifier` (discovery), N concurrent `verify()`',
  'express-bare': 'Express bare over HTTP, the same N concurrent connections (reference)',
  'express-ours':
    'ours over HTTP: fresh Express server with our middleware, N concurrent connections',
  jose: 'jose `createRemoteJWKSet` + `jwtVerify` (reference)',
  'jwks-rsa': 'jwks-rsa `getSigningKey` + jsonwebtoken (what express-jwt/koa-jwt do; reference)',
}

function get(port: number, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/hello',
        headers: { authorization: `Bearer ${token}` },
        agent: false,
        timeout: 30_000,
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}

/**
 * Runs every cold-start scenario against the mock, which answers after `delayMs` meanwhile.
 *
 * @example
 * ```ts
 * const cold = await runColdStart(bench.gitlab, serverCfg, tokens, 50, true)
 * ```
 */
export async function runColdStart(
  gitlab: MockGitlab,
  serverCfg: ServerConfig,
  tokens: readonly string[],
  delayMs: number,
  references: boolean,
): Promise<ColdSectionResult> {
  const rows: ColdRow[] = []
  const failures: string[] = []
  const record = (scenario: keyof typeof LABELS, r: ColdResult): void => {
    const counts = { discovery: gitlab.requests.discovery, jwks: gitlab.requests.jwks }
    rows.push({
      scenario,
      label: LABELS[scenario],
      requests: tokens.length,
      ms: r.ms,
      accepted: r.accepted,
      discoveryFetches: counts.discovery,
      jwksFetches: counts.jwks,
      ...(r.firstError === undefined ? {} : { firstError: r.firstError }),
    })
    if (r.accepted !== tokens.length) {
      failures.push(
        `cold start ${scenario}: ${r.rejected} of ${tokens.length} valid tokens rejected (${String(r.firstError)})`,
      )
    }
    log(
      `cold start ${scenario}: ${r.ms.toFixed(0)} ms, ${counts.discovery} discovery + ${counts.jwks} key-set fetches`,
    )
  }

  // Both endpoints answer late, like a remote GitLab, so late arrivals overlap the first fetch.
  const setDelay = (ms: number): void => {
    gitlab.setDiscoveryResponse(ms > 0 ? { delayMs: ms } : 'ok')
    gitlab.setKeySetResponse(ms > 0 ? { delayMs: ms } : 'ok')
  }
  setDelay(delayMs)
  try {
    const scenarios: ColdScenario[] = references ? ['ours', 'jose', 'jwks-rsa'] : ['ours']
    for (const scenario of scenarios) {
      gitlab.resetRequests()
      const child = startChild('cold-start/worker.ts', { name: `cold-${scenario}` })
      try {
        const job: ColdJob = {
          ...serverCfg,
          scenario,
          issuer: gitlab.issuer,
          jwksUri: gitlab.jwksUri,
          tokens,
        }
        child.send(job)
        record(
          scenario,
          (await child.waitFor<{ type: 'result'; data: ColdResult }>('result', 60_000)).data,
        )
      } catch (err) {
        failures.push(`cold start ${scenario}: ${errorMessage(err)}`)
      } finally {
        await child.stop()
      }
    }

    // The same 1,000 connections to a bare Express server first: what the HTTP part alone costs.
    for (const id of ['express-bare', 'express-ours'] as const) {
      const variant = HTTP_VARIANTS.find((v) => v.id === id)
      if (!variant) continue
      gitlab.resetRequests()
      let server: Awaited<ReturnType<typeof startServer>> | undefined
      try {
        server = await startServer(variant, serverCfg)
        const port = Number(new URL(server.url).port)
        const start = performance.now()
        const statuses = await Promise.all(tokens.map((t) => get(port, t).catch(() => 0)))
        const ms = performance.now() - start
        const accepted = statuses.filter((s) => s === 200).length
        const bad = statuses.find((s) => s !== 200)
        record(id, {
          ms,
          accepted,
          rejected: tokens.length - accepted,
          ...(bad === undefined ? {} : { firstError: `HTTP ${bad}` }),
        })
      } catch (err) {
        failures.push(`cold start ${id}: ${errorMessage(err)}`)
      } finally {
        await server?.child.stop()
      }
    }
  } finally {
    setDelay(0)
  }
  return { delayMs, rows, failures }
}
