/**
 * The admin port of a `workers` > 1 fleet. Workers sharing a port through `node:cluster` each
 * take whichever connection the primary hands them, so a worker answering `/metrics` or
 * `/readyz` would describe only itself. Instead the primary listens on the admin port and asks
 * every worker over the cluster IPC channel: `/readyz` is ready only when every expected worker
 * answers ready, and `/metrics` sums the workers' counters and histograms (a restarted worker
 * starts from zero, which Prometheus `rate()` reads as a counter reset).
 *
 * @module
 */

import type { Worker } from 'node:cluster'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { sendAdminAnswer, type AdminAnswer } from './admin-handler.js'
import type { RunningGateway } from './gateway-types.js'

const ASK = 'gitlab-gw:admin'
const ANSWER = 'gitlab-gw:admin-answer'
// A worker busy with checks still answers within this; one that does not counts as not ready.
const WORKER_TIMEOUT_MS = 1000

interface Ask {
  readonly type: typeof ASK
  readonly id: number
  readonly method: string
  readonly url: string
}
interface Answer {
  readonly type: typeof ANSWER
  readonly id: number
  readonly answer: AdminAnswer
}

/**
 * In a worker: answers the primary's admin questions from `gateway`.
 *
 * @example
 * ```ts
 * answerAdminOverIpc(await startGateway(config, { serveAdmin: false }))
 * ```
 */
export function answerAdminOverIpc(gateway: Pick<RunningGateway, 'admin'>): void {
  process.on('message', (message: Partial<Ask>) => {
    if (message?.type !== ASK || typeof message.id !== 'number') return
    const id = message.id
    void gateway
      .admin(message.method ?? 'GET', message.url ?? '/')
      .catch((): AdminAnswer => ({ status: 500, type: 'text/plain', body: 'admin failed\n' }))
      .then((answer) => process.send?.({ type: ANSWER, id, answer } satisfies Answer))
  })
}

let nextId = 0

function ask(worker: Worker, method: string, url: string): Promise<AdminAnswer | undefined> {
  const id = (nextId += 1)
  return new Promise((resolve) => {
    const done = (answer: AdminAnswer | undefined): void => {
      clearTimeout(timer)
      worker.off('message', onMessage)
      resolve(answer)
    }
    const onMessage = (message: Partial<Answer>): void => {
      if (message?.type === ANSWER && message.id === id && message.answer !== undefined)
        done(message.answer)
    }
    const timer = setTimeout(() => done(undefined), WORKER_TIMEOUT_MS)
    worker.on('message', onMessage)
    try {
      worker.send({ type: ASK, id, method, url } satisfies Ask)
    } catch {
      done(undefined)
    }
  })
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/

/**
 * Merges the Prometheus text of several workers: counters and histogram series are summed;
 * gauges take the worst value (`gitlab_gw_jwks_age_seconds`, `gitlab_gw_jwks_stale`: the maximum;
 * `gitlab_gw_config_generation`: the minimum, so a worker left behind by a reload shows).
 *
 * @example
 * ```ts
 * mergeMetrics(['a_total 1', 'a_total 2']) // 'a_total 3\n'
 * ```
 */
export function mergeMetrics(texts: readonly string[]): string {
  const types = new Map<string, string>()
  const header: string[] = []
  const values = new Map<string, number>()
  const order: string[] = []
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (line === '') continue
      if (line.startsWith('#')) {
        if (!header.includes(line)) {
          header.push(line)
          order.push(line)
        }
        const [, kind, name, type] = line.split(' ')
        if (kind === 'TYPE' && name !== undefined && type !== undefined) types.set(name, type)
        continue
      }
      const sample = SAMPLE.exec(line)
      if (sample === null) continue
      const [, name = '', labels = '', raw = '0'] = sample
      const key = `${name}${labels}`
      const value = Number(raw)
      const previous = values.get(key)
      if (previous === undefined) {
        values.set(key, value)
        order.push(key)
        continue
      }
      const type = types.get(name)
      let merged = previous + value
      if (type === 'gauge')
        merged =
          name === 'gitlab_gw_config_generation'
            ? Math.min(previous, value)
            : Math.max(previous, value)
      values.set(key, merged)
    }
  }
  return `${order.map((key) => (key.startsWith('#') ? key : `${key} ${values.get(key)}`)).join('\n')}\n`
}

function combine(url: string, expected: number, answers: (AdminAnswer | undefined)[]): AdminAnswer {
  const path = url.split('?', 1)[0]
  const got = answers.filter((a): a is AdminAnswer => a !== undefined)
  if (path === '/readyz') {
    const workers = answers.map((a) => {
      if (a === undefined) return { ready: false, answered: false }
      try {
        return { ...(JSON.parse(a.body) as object), answered: true }
      } catch {
        return { ready: false, answered: true }
      }
    })
    const ready =
      answers.length === expected && got.length === expected && got.every((a) => a.status === 200)
    const body = `${JSON.stringify({ ready, expected, workers })}\n`
    return { status: ready ? 200 : 503, type: 'application/json', body }
  }
  if (path === '/metrics' && got.length > 0 && got.every((a) => a.status === 200)) {
    const fleet = [
      '# HELP gitlab_gw_workers Workers that answered this scrape, and the number configured.',
      '# TYPE gitlab_gw_workers gauge',
      `gitlab_gw_workers{state="answered"} ${got.length}`,
      `gitlab_gw_workers{state="expected"} ${expected}`,
    ].join('\n')
    return {
      status: 200,
      type: 'text/plain; version=0.0.4',
      body: mergeMetrics([...got.map((a) => a.body), fleet]),
    }
  }
  if (path === '/healthz') return { status: 200, type: 'text/plain', body: 'ok\n' }
  // /jwks.json and the rest: every worker runs the same file, so any answer is the fleet's.
  return got[0] ?? { status: 503, type: 'text/plain', body: 'no worker answered\n' }
}

/**
 * In the primary: serves the admin port for the fleet.
 *
 * @example
 * ```ts
 * const admin = await serveFleetAdmin(config.admin, config.workers, () => Object.values(cluster.workers ?? {}))
 * ```
 */
export async function serveFleetAdmin(
  address: { readonly host: string; readonly port: number },
  expected: number,
  workers: () => readonly (Worker | undefined)[],
): Promise<Server> {
  const server = createServer((req, res) => {
    const method = req.method ?? 'GET'
    const url = req.url ?? '/'
    if (method !== 'GET' && method !== 'HEAD') {
      sendAdminAnswer(res, { status: 405, type: 'text/plain', body: 'method not allowed\n' })
      return
    }
    const live = workers().filter((w): w is Worker => w !== undefined && w.isConnected())
    // healthz is the primary's own event loop; everything else is the workers'.
    const asked = url.split('?', 1)[0] === '/healthz' ? [] : live.map((w) => ask(w, method, url))
    void Promise.all(asked).then((answers) => sendAdminAnswer(res, combine(url, expected, answers)))
  })
  server.listen(address.port, address.host)
  await once(server, 'listening')
  return server
}
