/**
 * The example services as the demo runs them: each on loopback, with its refusal log collected
 * so the demo can show (and check) the reasons a job never sees.
 */

import type { Writable } from 'node:stream'
import type { MockGitlab } from '@gitlab-id-token/testing'
import { start as startDeployService } from '../../deploy-service/src/app.js'
import { start as startFastifyApi } from '../../fastify-api/src/app.js'
import { start as startKoaApi } from '../../koa-api/src/app.js'
import type { Expectation } from './run-demo.js'

export const DEPLOY = 'https://deploy.acme.example'
export const DEPLOY_EU = 'https://deploy-eu.acme.example'

export interface Service {
  readonly name: string
  readonly url: string
  /** Log entries since the last call. */
  takeLog(): Record<string, unknown>[]
  close(): Promise<void>
}

function collector(): { log: (entry: object) => void; take: () => Record<string, unknown>[] } {
  let entries: Record<string, unknown>[] = []
  return {
    log: (entry) => entries.push(entry as Record<string, unknown>),
    take: () => {
      const taken = entries
      entries = []
      return taken
    },
  }
}

export async function expressService(gitlab: MockGitlab, name: string): Promise<Service> {
  const logs = collector()
  const running = await startDeployService({
    issuer: gitlab.issuer,
    audience: DEPLOY,
    log: logs.log,
  })
  return { name, url: running.url, takeLog: logs.take, close: () => running.close() }
}

export async function koaService(gitlab: MockGitlab, name: string): Promise<Service> {
  const logs = collector()
  const running = await startKoaApi({ issuer: gitlab.issuer, audience: DEPLOY, log: logs.log })
  return { name, url: running.url, takeLog: logs.take, close: () => running.close() }
}

export async function fastifyService(gitlab: MockGitlab, name: string): Promise<Service> {
  const logs = collector()
  // Fastify logs through pino: collect its JSON lines at `warn` (the refusals).
  const stream = {
    write: (line: string) => logs.log(JSON.parse(line) as object),
  } as unknown as Writable
  const running = await startFastifyApi({
    issuer: gitlab.issuer,
    audience: DEPLOY_EU,
    logger: { level: 'warn', stream },
  })
  return { name, url: running.url, takeLog: logs.take, close: () => running.close() }
}

interface RuleReason {
  readonly rule: string
  readonly failures: readonly {
    readonly claim: string
    readonly expected: string
    readonly actual: unknown
  }[]
}

export function refusalOf(
  entries: readonly Record<string, unknown>[],
): Record<string, unknown> | undefined {
  return entries.find((entry) => entry.event === 'deploy.refused')
}

function reasonsOf(refusal: Record<string, unknown> | undefined): readonly RuleReason[] {
  return (refusal?.reasons as RuleReason[] | undefined) ?? []
}

/**
 * One line per refusal, from the service's `onDecision` log: the job's `request_id` (the same
 * one its response body carries), the code, the job, and for a policy denial which claim failed
 * in which rule.
 */
export function summarizeLog(refusal: Record<string, unknown> | undefined): string | undefined {
  if (refusal === undefined) return undefined
  const reasons = reasonsOf(refusal).map(
    (reason) =>
      `${reason.rule}: ${reason.failures
        .map((f) => `${f.claim} is ${JSON.stringify(f.actual)}, needs ${f.expected}`)
        .join('; ')}`,
  )
  const {
    job_id: jobId,
    request_id: requestId,
    code,
  } = refusal as Record<string, string | undefined>
  const job = jobId === undefined ? 'job unknown' : `job ${jobId}`
  const head = `request_id ${requestId ?? '?'}: ${code ?? '?'}, ${job}`
  return [head, ...reasons].join(' | ')
}

/** Whether the logged denial names exactly the expected failing claims of the expected rule. */
export function deniedAsPromised(
  expected: Expectation,
  refusal: Record<string, unknown> | undefined,
): boolean {
  if (expected.deniedOn === undefined) return true
  const { rule, claims } = expected.deniedOn
  const reason = reasonsOf(refusal).find((candidate) => candidate.rule === rule)
  const failed = (reason?.failures ?? []).map((failure) => failure.claim).sort()
  return JSON.stringify(failed) === JSON.stringify([...claims].sort())
}
