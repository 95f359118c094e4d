/**
 * Loading `gateway.yaml` (or `.json`): parse, validate against the schema, resolve files, compile
 * routes, and dry-run the core's validation so every mistake surfaces at startup (and in
 * `gitlab-id-token lint`), never on the first request.
 *
 * @module
 */

import { createPrivateKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { dirname, resolve } from 'node:path'
import {
  createVerifier,
  GitlabIdTokenError,
  isGitlabIdTokenError,
  type Policy,
} from '@gitlab-id-token/core'
import { parse as parseYaml } from 'yaml'
import type {
  AssertionSettings,
  GatewayConfig,
  ProfileName,
  ReplaySettings,
} from './config-types.js'
import { compileIdentityHeaders, DEFAULT_IDENTITY_HEADERS } from './identity-headers.js'
import { isSharedStore } from './store-factories.js'
import { assertNoShadowing, compileRoute, type RawRoute } from './routes.js'
import { validateGatewayDocument } from './schema.js'
import { verifierOptionsFor } from './verifier-options.js'

/** The document after schema validation. */
interface RawConfig {
  readonly listen?: { host?: string; port?: number }
  readonly admin?: { host?: string; port?: number }
  readonly issuer?: GatewayConfig['issuer']
  readonly profile: ProfileName
  readonly identityHeaders?: Record<string, string | { claim: string; default?: string }>
  readonly routes: readonly RawRoute[]
  readonly assertion?: {
    header?: string
    keyFile: string
    ttl?: number
    issuer?: string
    audience?: string
  }
  readonly replay?: ReplaySettings
  readonly workers?: number | 'auto'
  readonly jwks?: GatewayConfig['jwks'] & { shared?: ReplaySettings }
  readonly maxTokenAge?: number
  readonly clockTolerance?: number
  readonly allowAnyProject?: boolean
  readonly log?: { level?: string }
}

function invalid(message: string, cause?: unknown): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_INVALID_CONFIG', message, cause === undefined ? {} : { cause })
}

function parseText(text: string, file: string): unknown {
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { prettyErrors: true })
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause)
    throw invalid(
      `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${detail}`,
      cause,
    )
  }
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (cause) {
    throw invalid(
      `${what}: cannot read ${file}: check the path (relative paths start at the config file)`,
      cause,
    )
  }
}

async function loadPolicy(
  value: string | Policy,
  baseDir: string,
  key: string,
): Promise<{ policy: Policy; policySource: string }> {
  if (typeof value !== 'string') return { policy: value, policySource: 'inline' }
  const file = resolve(baseDir, value)
  const document = parseText(await readText(file, key), file) as Policy | null
  if (typeof document !== 'object' || document === null || !Array.isArray(document.allow)) {
    throw invalid(`${key}: ${file} is not a policy: it needs an "allow:" list of rules`)
  }
  return { policy: document, policySource: file }
}

async function loadAssertion(
  raw: NonNullable<RawConfig['assertion']>,
  baseDir: string,
  source: string,
): Promise<AssertionSettings> {
  const keyFile = resolve(baseDir, raw.keyFile)
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(await readText(keyFile, `${source}: assertion.keyFile`))
  } catch (cause) {
    if (isGitlabIdTokenError(cause)) throw cause
    throw invalid(
      `${source}: assertion.keyFile ${keyFile} is not a PEM private key: create one with openssl genpkey -algorithm ed25519`,
      cause,
    )
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw invalid(
      `${source}: assertion.keyFile must be an Ed25519 key (EdDSA), not ${privateKey.asymmetricKeyType}: openssl genpkey -algorithm ed25519`,
    )
  }
  return {
    header: raw.header ?? 'X-Gitlab-Assertion',
    keyFile,
    privateKey,
    ttl: raw.ttl ?? 30,
    issuer: raw.issuer ?? 'gitlab-id-token-gateway',
    ...(raw.audience === undefined ? {} : { audience: raw.audience }),
  }
}

function withoutShared(jwks: NonNullable<RawConfig['jwks']>): NonNullable<GatewayConfig['jwks']> {
  const { shared: _shared, ...rest } = jwks
  return rest
}

/**
 * Validates and resolves an already-parsed config document. Relative files (policies, the
 * assertion key) resolve against `baseDir`.
 *
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` naming the key and what to change.
 * @example
 * ```ts
 * const config = await parseGatewayConfig({ profile: 'nginx', routes: [...] }, { source: 'inline', baseDir: process.cwd() })
 * ```
 */
export async function parseGatewayConfig(
  document: unknown,
  options: { readonly source?: string; readonly baseDir?: string } = {},
): Promise<GatewayConfig> {
  const source = options.source ?? '<inline>'
  const baseDir = options.baseDir ?? process.cwd()
  validateGatewayDocument(document, source)
  const raw = document as RawConfig
  const routes = []
  for (const [i, route] of raw.routes.entries()) {
    const loaded = await loadPolicy(route.policy, baseDir, `${source}: routes[${i}].policy`)
    routes.push(compileRoute(route, i, loaded, source))
  }
  assertNoShadowing(routes, source)
  const workers = raw.workers === 'auto' ? availableParallelism() : (raw.workers ?? 1)
  const replay = raw.replay ?? { store: 'memory' }
  const replayRoute = routes.find((r) => r.replay)
  if (workers > 1 && replayRoute !== undefined && !isSharedStore(replay.store)) {
    throw invalid(
      `${source}: routes[${replayRoute.index}] (${replayRoute.name}) has replay: once, but with workers: ${workers} the memory store would let each process accept the token once; set replay: { store: redis, url: … } or workers: 1`,
    )
  }
  const config: GatewayConfig = {
    source,
    listen: { host: raw.listen?.host ?? '127.0.0.1', port: raw.listen?.port ?? 8080 },
    admin: { host: raw.admin?.host ?? '127.0.0.1', port: raw.admin?.port ?? 9090 },
    issuer: raw.issuer ?? 'https://gitlab.com',
    profile: raw.profile,
    identityHeaders: compileIdentityHeaders(
      raw.identityHeaders ?? DEFAULT_IDENTITY_HEADERS,
      source,
    ),
    routes,
    ...(raw.assertion === undefined
      ? {}
      : { assertion: await loadAssertion(raw.assertion, baseDir, source) }),
    replay,
    workers,
    ...(raw.jwks === undefined ? {} : { jwks: withoutShared(raw.jwks) }),
    ...(raw.jwks?.shared === undefined ? {} : { keySetCache: raw.jwks.shared }),
    ...(raw.maxTokenAge === undefined ? {} : { maxTokenAge: raw.maxTokenAge }),
    ...(raw.clockTolerance === undefined ? {} : { clockTolerance: raw.clockTolerance }),
    allowAnyProject: raw.allowAnyProject === true,
    logLevel: raw.log?.level ?? 'info',
  }
  if (
    config.listen.port !== 0 &&
    config.listen.port === config.admin.port &&
    config.listen.host === config.admin.host
  ) {
    throw invalid(
      `${source}: listen and admin use the same address: the admin port must never be the check port`,
    )
  }
  // The core validates audiences, issuers and policies (tenant pin included): run it now, once per
  // route, so its message reaches the operator with the route's key in front.
  for (const route of routes) {
    try {
      createVerifier(verifierOptionsFor(config, route, {}))
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause)
      throw invalid(`${source}: routes[${route.index}] (${route.name}): ${message}`, cause)
    }
  }
  return config
}

/**
 * Reads, validates and resolves a gateway config file (YAML, or JSON when the name ends in
 * `.json`). Policies and the assertion key are read relative to the file.
 *
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` whose message starts with the file name and
 *   names the key and what to change.
 * @example
 * ```ts
 * const config = await loadGatewayConfig('/etc/gitlab-gw/gateway.yaml')
 * const gateway = await startGateway(config)
 * ```
 */
export async function loadGatewayConfig(path: string): Promise<GatewayConfig> {
  const file = resolve(path)
  const document = parseText(await readText(file, 'gateway config'), file)
  return parseGatewayConfig(document, { source: file, baseDir: dirname(file) })
}
