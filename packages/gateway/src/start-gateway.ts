/**
 * Running the gateway: the check server, the admin server, the shared key-set cache and fetch,
 * the replay store, and atomic reloads.
 *
 * @module
 */

import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GitlabIdTokenError, type VerifierOptions } from '@gitlab-id-token/core'
import { adminAnswer, handleAdmin } from './admin-handler.js'
import { handleCheck, type CheckContext } from './check-handler.js'
import type { GatewayConfig } from './config-types.js'
import { createGatewayLogger } from './decision-log.js'
import {
  buildGeneration,
  issuerList,
  type Generation,
  type GenerationServices,
} from './generation.js'
import { loadGatewayConfig } from './load-config.js'
import { createMetrics } from './metrics.js'
import type { ReloadOutcome, RunningGateway, StartGatewayOptions } from './gateway-types.js'
import { createKeySetCache, createReplayStore, type ReplayStoreHandle } from './store-factories.js'
import { createSharedFetch } from './shared-fetch.js'

async function listen(server: Server, address: { host: string; port: number }): Promise<string> {
  server.listen(address.port, address.host)
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const host = address.host.includes(':') ? `[${address.host}]` : address.host
  return `http://${host}:${port}`
}

/**
 * Starts the check and admin servers for `config`, after loading every issuer's keys (for at most
 * `warmTimeoutMs`; until then `/readyz` answers 503).
 *
 * @example
 * ```ts
 * const gateway = await startGateway(await loadGatewayConfig('gateway.yaml'))
 * // nginx: proxy_pass http://127.0.0.1:8080/check;
 * await gateway.close()
 * ```
 */
export async function startGateway(
  config: GatewayConfig,
  options: StartGatewayOptions = {},
): Promise<RunningGateway> {
  const logger =
    options.logger ??
    createGatewayLogger({
      level: config.logLevel,
      ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
    })
  const metrics = createMetrics()
  const warmTimeoutMs = options.warmTimeoutMs ?? 5000
  // Retry loading missing key sets at the core's own on-demand pace (jwks.cooldown, default 5 s).
  const retryMs = Math.max(1, config.jwks?.cooldown ?? 5) * 1000
  let current: Generation | undefined
  const fetch = createSharedFetch({
    issuers: issuerList(config.issuer),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    onFetch: (record) => {
      metrics.jwksFetches.inc({
        issuer: record.issuer,
        kind: record.kind,
        result: record.ok ? 'ok' : 'error',
      })
    },
  })
  const onDecision: VerifierOptions['onDecision'] = (event, request) => {
    if (typeof request === 'object' && request !== null && event.stage !== 'grants')
      (request as CheckContext).event = event as never
  }
  // Created once: every generation shares it, so a reload starts with the keys already loaded.
  const keySets = await createKeySetCache(config.keySetCache)
  const keySetCache = keySets.store
  let replay: { key: string; handle: ReplayStoreHandle } | undefined
  const servicesFor = async (
    next: GatewayConfig,
  ): Promise<{ services: GenerationServices; replay: typeof replay }> => {
    const needed = next.routes.some((r) => r.replay)
    const key = JSON.stringify(next.replay)
    // Same settings: keep the store, so a reload never forgets which tokens were used.
    const handle = !needed
      ? undefined
      : replay?.key === key
        ? replay
        : { key, handle: await createReplayStore(next.replay) }
    // The factory's own answer, not a guess from the store's name (load-config's early check): an
    // in-process store under workers would let each worker accept a token once.
    if (handle !== undefined && next.workers > 1 && !handle.handle.shared) {
      if (handle !== replay) await handle.handle.close?.()
      throw new GitlabIdTokenError(
        'ERR_INVALID_CONFIG',
        `replay.store "${String(next.replay.store)}" is per process: with workers > 1 use a shared store such as redis`,
      )
    }
    return {
      services: {
        fetch,
        keySetCache,
        onDecision,
        ...(handle === undefined ? {} : { replayStore: handle.handle.store }),
      },
      replay: handle,
    }
  }

  const first = await servicesFor(config)
  replay = first.replay
  current = buildGeneration(config, 1, first.services)
  await current.readiness.warm(warmTimeoutMs)
  current.readiness.start(retryMs)

  const checkServer = createServer((req, res) => {
    const generation = current as Generation
    handleCheck(req, res, generation, { logger, metrics }).catch((error: unknown) => {
      logger.error({ err: error }, 'check handler failed')
      if (!res.headersSent) res.writeHead(500, { 'Cache-Control': 'no-store' }).end()
    })
  })
  const adminServer = createServer((req, res) => {
    handleAdmin(req, res, current as Generation, { metrics, replay: replay?.handle }).catch(() => {
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  // Proxies keep connections to the auth service open; keep ours open longer than theirs.
  checkServer.keepAliveTimeout = 65_000
  const checkOrigin = await listen(checkServer, config.listen)
  // With workers > 1 the primary owns the admin port and asks each worker (fleet-admin.ts).
  const serveAdmin = options.serveAdmin ?? true
  const adminUrl = serveAdmin
    ? await listen(adminServer, config.admin)
    : `http://${config.admin.host.includes(':') ? `[${config.admin.host}]` : config.admin.host}:${config.admin.port}`

  let reloading: Promise<ReloadOutcome> = Promise.resolve({ ok: true, generation: 1 })
  const reloadOnce = async (next?: string | GatewayConfig): Promise<ReloadOutcome> => {
    const previous = current as Generation
    let built: Awaited<ReturnType<typeof servicesFor>> | undefined
    try {
      const source = next ?? previous.config.source
      if (typeof source === 'string' && source === '<inline>')
        throw new Error(
          'this gateway was started from an inline config: pass the new config to reload()',
        )
      const loaded = typeof source === 'string' ? await loadGatewayConfig(source) : source
      if (
        loaded.listen.port !== previous.config.listen.port ||
        loaded.admin.port !== previous.config.admin.port
      ) {
        logger.warn('listen/admin changes need a restart; the new ports are ignored')
      }
      if (JSON.stringify(loaded.keySetCache) !== JSON.stringify(previous.config.keySetCache)) {
        logger.warn('jwks.shared changes need a restart; the running key-set cache stays')
      }
      built = await servicesFor(loaded)
      const generation = buildGeneration(loaded, previous.number + 1, built.services)
      await generation.readiness.warm(warmTimeoutMs)
      const oldReplay = replay
      current = generation
      replay = built.replay
      previous.readiness.stop()
      generation.readiness.start(retryMs)
      if (oldReplay !== undefined && oldReplay !== built.replay) await oldReplay.handle.close?.()
      metrics.reloads.inc({ result: 'ok' })
      logger.info(
        { generation: generation.number, source: loaded.source },
        'configuration reloaded',
      )
      return { ok: true, generation: generation.number }
    } catch (cause) {
      // A store opened for the refused config would otherwise stay connected forever.
      const opened = built?.replay
      if (opened !== undefined && opened !== replay) await opened.handle.close?.()
      const error = cause instanceof Error ? cause : new Error(String(cause))
      metrics.reloads.inc({ result: 'error' })
      logger.error(
        { generation: previous.number, error: error.message },
        'configuration reload refused; the current configuration stays',
      )
      return { ok: false, generation: previous.number, error }
    }
  }
  const reload = (next?: string | GatewayConfig): Promise<ReloadOutcome> => {
    reloading = reloading.then(() => reloadOnce(next))
    return reloading
  }
  const onHangup = (): void => void reload()
  let closing: Promise<void> | undefined
  if (options.handleSignals === true) process.on('SIGHUP', onHangup)
  logger.info(
    {
      check: `${checkOrigin}/check`,
      admin: adminUrl,
      profile: config.profile,
      routes: config.routes.length,
      ready: current.readiness.ready(),
    },
    'gateway listening',
  )

  return {
    checkUrl: `${checkOrigin}/check`,
    adminUrl,
    metrics,
    generation: () => (current as Generation).number,
    admin: (method, url) =>
      adminAnswer(method, url, current as Generation, { metrics, replay: replay?.handle }),
    reload,
    close() {
      closing ??= shutdown()
      return closing
    },
  }

  async function shutdown(): Promise<void> {
    process.off('SIGHUP', onHangup)
    current?.readiness.stop()
    await Promise.all(
      (serveAdmin ? [checkServer, adminServer] : [checkServer]).map(async (server) => {
        const closed = once(server, 'close')
        server.close()
        server.closeAllConnections()
        await closed
      }),
    )
    await replay?.handle.close?.()
    await keySets.close?.()
    // The default destination writes asynchronously (decision-log.ts): nothing stays buffered.
    await new Promise<void>((resolve) => {
      logger.flush(() => resolve())
    })
  }
}
